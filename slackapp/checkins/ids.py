"""Every callback, block and action id of the check-ins feature, shared by views, listeners and tests."""

from enum import StrEnum


class CheckinCallback(StrEnum):
    ANSWER_MODAL = "checkin_answer"
    PULSE_FORM = "checkin_pulse_form"


class CheckinAction(StrEnum):
    OPEN_MODAL = "checkin_open"  # invitation, reminder and /checkin buttons; value is the round id
    ANSWER = "checkin_answer_value"
    COMMENT = "checkin_comment"
    PULSE_FIELD = "checkin_pulse_field"
    NEW_PULSE = "checkin_pulse_new"
    # Admin buttons on each pulse in the App Home; value is the pulse id.
    EDIT_PULSE = "checkin_pulse_edit"
    PAUSE_PULSE = "checkin_pulse_pause"
    RESUME_PULSE = "checkin_pulse_resume"
    SEND_ROUND_NOW = "checkin_pulse_send_now"
    CLOSE_ROUND_NOW = "checkin_pulse_close_now"
    DELETE_PULSE = "checkin_pulse_delete"


class PulseBlock(StrEnum):
    """Blocks of the pulse form, named after the `PulseSpec` fields they fill."""

    CHANNEL = "channel_id"
    CADENCE = "cadence"
    WEEKDAY = "weekday"
    LOCAL_TIME = "local_time"
    TIMEZONE = "timezone"
    OPEN_HOURS = "open_hours"
    QUESTIONS = "question_keys"
    OPTIONS = "options"


class PulseOption(StrEnum):
    COMMENTS = "comments"
    REMINDER = "reminder"


COMMENT_BLOCK = "comment"
INVITATION_EVENT = "kindred_checkin_invitation"
RESULTS_EVENT = "kindred_checkin_results"
REMINDER_EVENT = "kindred_checkin_reminder"
