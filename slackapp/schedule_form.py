"""The schedule part of a form (how often, which day, what time, which time zone), for any feature
that runs on a cadence: check-in pulses and peer-support programmes."""

from __future__ import annotations

from enum import StrEnum

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
)

from slackapp.checkins.models import Cadence

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CADENCE_LABELS = {
    Cadence.WEEKLY: "Every week",
    Cadence.FORTNIGHTLY: "Every two weeks",
    Cadence.MONTHLY: "Every month",
}


class ScheduleBlock(StrEnum):
    """Block ids, named after the spec fields they fill."""

    CADENCE = "cadence"
    WEEKDAY = "weekday"
    LOCAL_TIME = "local_time"
    TIMEZONE = "timezone"


def build_schedule_blocks(
    *, action_id: str, cadence: Cadence, weekday: int, local_time: str, timezone: str, monthly_hint: str
) -> list[InputBlock]:
    """Four inputs filled with the current schedule; `monthly_hint` says what "monthly" means here."""
    cadences = [Option(value=c.value, text=CADENCE_LABELS[c]) for c in Cadence]
    weekdays = [Option(value=str(i), text=name) for i, name in enumerate(WEEKDAYS)]
    return [
        InputBlock(
            block_id=ScheduleBlock.CADENCE,
            label="How often",
            element=StaticSelectElement(
                action_id=action_id, options=cadences, initial_option=cadences[list(Cadence).index(cadence)]
            ),
        ),
        InputBlock(
            block_id=ScheduleBlock.WEEKDAY,
            label="On",
            hint=monthly_hint,
            element=StaticSelectElement(
                action_id=action_id, options=weekdays, initial_option=weekdays[weekday]
            ),
        ),
        InputBlock(
            block_id=ScheduleBlock.LOCAL_TIME,
            label="At",
            element=TimePickerElement(action_id=action_id, initial_time=local_time),
        ),
        InputBlock(
            block_id=ScheduleBlock.TIMEZONE,
            label="Time zone",
            hint="A time zone name such as Europe/London or America/New_York.",
            element=PlainTextInputElement(action_id=action_id, initial_value=timezone, max_length=64),
        ),
    ]
