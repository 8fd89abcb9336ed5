"""A schedule in Slack: the form inputs that set it and the App Home's words for it (pulses, programmes).

The inputs are how often, which day, what time and which time zone, for any feature that runs on a cadence.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cache
from zoneinfo import available_timezones

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    OptionGroup,
    StaticSelectElement,
    TimePickerElement,
)

from slackapp.cadence.schedule import Cadence, Schedule
from slackapp.slack.forms import select_input
from slackapp.slack.mrkdwn import slack_date

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CADENCE_LABELS = {
    Cadence.WEEKLY: "Every week",
    Cadence.FORTNIGHTLY: "Every two weeks",
    Cadence.MONTHLY: "Every month",
}


def describe_schedule(schedule: Schedule) -> str:
    """The schedule in words: "every week on Monday at 09:30 (Europe/London)"."""
    return (
        f"{CADENCE_LABELS[schedule.cadence].lower()} on {WEEKDAYS[schedule.weekday]} at "
        f"{schedule.local_time} ({schedule.timezone})"
    )


def describe_next_slot(*, paused: bool, next_at: datetime | None) -> str:
    """Where a schedule stands: paused, its next round's date, or not scheduled."""
    if paused:
        return "paused"
    return f"next round {slack_date(next_at)}" if next_at else "not scheduled"


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
    zone_groups = _zone_option_groups()
    weekdays = [Option(value=str(i), text=name) for i, name in enumerate(WEEKDAYS)]
    return [
        select_input(
            block_id=ScheduleBlock.CADENCE,
            action_id=action_id,
            label="How often",
            options=cadences,
            chosen=cadence.value,
        ),
        select_input(
            block_id=ScheduleBlock.WEEKDAY,
            action_id=action_id,
            label="On",
            hint=monthly_hint,
            options=weekdays,
            chosen=str(weekday),
        ),
        InputBlock(
            block_id=ScheduleBlock.LOCAL_TIME,
            label="At",
            element=TimePickerElement(action_id=action_id, initial_time=local_time),
        ),
        InputBlock(
            block_id=ScheduleBlock.TIMEZONE,
            label="Time zone",
            hint="Type to search, such as London or New York.",
            element=StaticSelectElement(
                action_id=action_id,
                placeholder="Choose a time zone",
                option_groups=zone_groups,
                initial_option=next(
                    (o for g in zone_groups for o in (g.options or []) if o.value == timezone), None
                ),
            ),
        ),
    ]


ZONE_AREAS = (
    "Europe",
    "America",
    "Asia",
    "Africa",
    "Australia",
    "Pacific",
    "Atlantic",
    "Indian",
    "Antarctica",
)
GROUP_MAX = 100  # Block Kit: at most 100 options in one group


@cache
def time_zone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every IANA time zone people live in, by area, each group within Block Kit's 100 options (the
    Americas split in two), and UTC."""
    zones = available_timezones()
    groups: list[tuple[str, tuple[str, ...]]] = []
    for area in ZONE_AREAS:
        in_area = sorted(z for z in zones if z.startswith(area + "/"))
        if len(in_area) <= GROUP_MAX:
            groups.append((area, tuple(in_area)))
            continue
        half = (len(in_area) + 1) // 2
        first, second = in_area[:half], in_area[half:]
        groups.append((f"{area} ({_city(first[0])[0]}-{_city(first[-1])[0]})", tuple(first)))
        groups.append((f"{area} ({_city(second[0])[0]}-{_city(second[-1])[0]})", tuple(second)))
    groups.append(("Other", ("UTC",)))
    return tuple(groups)


def _city(zone: str) -> str:
    return zone.split("/", 1)[1]


def _zone_option_groups() -> list[OptionGroup]:
    return [
        OptionGroup(label=label, options=[Option(value=z, text=z.replace("_", " ")[:75]) for z in zones])
        for label, zones in time_zone_groups()
    ]


def chosen_timezone(element: dict[str, object]) -> str:
    """The time zone a schedule form holds: the option chosen (or, from an older form, the text typed)."""
    selected = element.get("selected_option")
    if isinstance(selected, dict):
        return str(selected.get("value") or "").strip()
    return str(element.get("value") or "").strip()
