"""Every callback, block and action id of the pairing feature, shared by views, listeners and tests."""

from enum import StrEnum


class PairingCallback(StrEnum):
    PREFERENCES = "pairing_preferences"
    PROGRAMME_FORM = "pairing_programme_form"
    RUN_NOW = "pairing_run_now"  # the preview, submitted: run that round now


class PairingAction(StrEnum):
    OPEN_PREFERENCES = "pairing_open_preferences"  # App Home button
    JOIN = "pairing_join"  # the announcement's button; value is the programme id
    FIELD = "pairing_field"  # every input of the preferences and programme forms
    SHOW_HELD = "pairing_show_held"  # "What Kindred holds about me", in the preferences modal
    LEAVE = "pairing_leave"  # in the preferences modal, behind a confirmation
    COME_BACK = "pairing_come_back"  # after a pause for unanswered introductions
    WE_MET = "pairing_we_met"  # value is the group id
    OUTCOME_MET = "pairing_outcome_met"  # follow-up buttons; value is the group id
    OUTCOME_NOT_YET = "pairing_outcome_not_yet"
    OUTCOME_COULD_NOT_MEET = "pairing_outcome_could_not_meet"
    # Admin buttons in the App Home; value is the programme id (none for NEW).
    NEW_PROGRAMME = "pairing_programme_new"
    EDIT_PROGRAMME = "pairing_programme_edit"
    PAUSE_PROGRAMME = "pairing_programme_pause"
    RESUME_PROGRAMME = "pairing_programme_resume"
    PREVIEW_PROGRAMME = "pairing_programme_preview"
    DELETE_PROGRAMME = "pairing_programme_delete"


class PreferencesBlock(StrEnum):
    """Blocks of the preferences form, named after the `Preferences` fields they fill."""

    PROGRAMMES = "programmes"
    SEEKS = "seeks"
    OFFERS = "offers"
    TOPICS = "topics"
    PAUSED_UNTIL = "paused_until"
    SKIP_NEXT = "skip_next_round"
    AVOID = "avoid"


class ProgrammeBlock(StrEnum):
    """Blocks of the programme form, named after the `ProgrammeSpec` fields they fill."""

    CHANNEL = "channel_id"
    CADENCE = "cadence"
    WEEKDAY = "weekday"
    LOCAL_TIME = "local_time"
    TIMEZONE = "timezone"
    REPEAT_WINDOW = "repeat_window"
    OPTIONS = "options"


CROSS_TEAM_OPTION = "prefer_cross_team"
SKIP_OPTION = "skip"
ANNOUNCEMENT_EVENT = "kindred_pairing_announcement"
INTRODUCTION_EVENT = "kindred_pairing_introduction"
NUDGE_EVENT = "kindred_pairing_nudge"
FOLLOW_UP_EVENT = "kindred_pairing_follow_up"
PAUSE_EVENT = "kindred_pairing_pause"
