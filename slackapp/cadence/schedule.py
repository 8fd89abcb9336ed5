"""How often something recurs and when its next slot falls: local wall-clock time in its time zone,
through DST changes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class Cadence(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.FORTNIGHTLY: 14, Cadence.MONTHLY: 28}


class Schedule(Protocol):
    """Anything that recurs on a schedule (a check-in pulse, a peer-support programme)."""

    @property
    def cadence(self) -> Cadence: ...

    @property
    def weekday(self) -> int: ...

    @property
    def local_time(self) -> str: ...

    @property
    def timezone(self) -> str: ...


def is_known_timezone(name: str) -> bool:
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_local_time(value: str) -> time:
    """'HH:MM' to a time; raises ValueError on anything else."""
    hours, _, minutes = value.partition(":")
    if len(hours) != 2 or len(minutes) != 2:
        raise ValueError(value)
    return time(int(hours), int(minutes))


def schedule_errors(*, weekday: int, local_time: str, timezone: str, example_time: str) -> dict[str, str]:
    """What is wrong with a schedule's day, time and time zone, by spec field, in plain words.

    Args:
        example_time: a time of day to show as an example, like the form's default.
    """
    errors: dict[str, str] = {}
    if not 0 <= weekday <= 6:
        errors["weekday"] = "Choose a day of the week."
    try:
        parse_local_time(local_time)
    except ValueError:
        errors["local_time"] = f"Choose a time of day, like {example_time}."
    if not is_known_timezone(timezone):
        errors["timezone"] = "Choose a time zone from the list, like Europe/London."
    return errors


def first_slot_after(
    *, cadence: Cadence, weekday: int, local_time: str, timezone: str, after: datetime
) -> datetime:
    """The first opening time strictly after `after`, in UTC.

    Weekly and fortnightly pulses open on `weekday`; monthly ones on the first such weekday of the month.
    Wall-clock arithmetic happens in the pulse's zone, so 09:00 stays 09:00 across a DST change.
    """
    zone = ZoneInfo(timezone)
    at = parse_local_time(local_time)
    local_after = after.astimezone(zone)
    if cadence is Cadence.MONTHLY:
        month_start = local_after.date().replace(day=1)
        for months_ahead in range(3):
            candidate = _at(
                _first_weekday_of_month(_add_months(month_start, months_ahead), weekday), at, zone
            )
            if candidate > after:
                return candidate.astimezone(after.tzinfo)
        raise AssertionError("a first weekday always falls within three months")
    day = local_after.date()
    for days_ahead in range(8):
        candidate_day = day + timedelta(days=days_ahead)
        if candidate_day.weekday() == weekday:
            candidate = _at(candidate_day, at, zone)
            if candidate > after:
                return candidate.astimezone(after.tzinfo)
    raise AssertionError("a weekday always falls within eight days")


def first_slot_of(schedule: Schedule, *, after: datetime) -> datetime:
    """`first_slot_after` for a schedule: its first slot strictly after `after`, in UTC."""
    return first_slot_after(
        cadence=schedule.cadence,
        weekday=schedule.weekday,
        local_time=schedule.local_time,
        timezone=schedule.timezone,
        after=after,
    )


def slot_after(
    *, cadence: Cadence, weekday: int, local_time: str, timezone: str, previous: datetime, now: datetime
) -> datetime:
    """The first slot after `previous` that is still in the future, keeping the pulse's rhythm.

    A worker that was down for weeks opens one round for the missed time, not a burst of stale ones.
    """
    zone = ZoneInfo(timezone)
    at = parse_local_time(local_time)
    following = previous
    while following <= now or following == previous:
        if cadence is Cadence.MONTHLY:
            following = first_slot_after(
                cadence=cadence, weekday=weekday, local_time=local_time, timezone=timezone, after=following
            )
        else:
            local_day = following.astimezone(zone).date() + timedelta(days=CADENCE_DAYS[cadence])
            following = _at(local_day, at, zone).astimezone(previous.tzinfo)
    return following


def slot_after_of(schedule: Schedule, *, previous: datetime, now: datetime) -> datetime:
    """`slot_after` for a schedule: the slot that follows `previous` and is still in the future."""
    return slot_after(
        cadence=schedule.cadence,
        weekday=schedule.weekday,
        local_time=schedule.local_time,
        timezone=schedule.timezone,
        previous=previous,
        now=now,
    )


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def _first_weekday_of_month(month_start: date, weekday: int) -> date:
    return month_start + timedelta(days=(weekday - month_start.weekday()) % 7)


def _add_months(month_start: date, months: int) -> date:
    index = month_start.month - 1 + months
    return month_start.replace(year=month_start.year + index // 12, month=index % 12 + 1)
