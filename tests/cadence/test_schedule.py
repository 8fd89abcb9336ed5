"""When rounds open: local wall-clock time in the pulse's zone, through daylight-saving changes."""

from datetime import UTC, datetime

from slackapp.cadence.schedule import Cadence, first_slot_after, slot_after


def test_weekly_pulse_opens_on_the_next_chosen_weekday_at_local_time() -> None:
    # Tuesday 24 Nov 2026, 10:00 UTC; the pulse is Mondays 09:30 in London (UTC+0 in winter).
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    slot = first_slot_after(
        cadence=Cadence.WEEKLY, weekday=0, local_time="09:30", timezone="Europe/London", after=now
    )
    assert slot == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def test_later_the_same_day_is_still_today() -> None:
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    slot = first_slot_after(
        cadence=Cadence.WEEKLY, weekday=0, local_time="09:30", timezone="Europe/London", after=now
    )
    assert slot == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def test_local_time_survives_the_spring_daylight_saving_change() -> None:
    # New York moves to summer time on Sunday 8 March 2026; 09:00 local is 14:00 UTC before, 13:00 after.
    before = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    after = slot_after(
        cadence=Cadence.WEEKLY,
        weekday=0,
        local_time="09:00",
        timezone="America/New_York",
        previous=before,
        now=before,
    )
    assert after == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


def test_fortnightly_skips_a_week() -> None:
    previous = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    following = slot_after(
        cadence=Cadence.FORTNIGHTLY,
        weekday=0,
        local_time="09:30",
        timezone="Europe/London",
        previous=previous,
        now=previous,
    )
    assert following == datetime(2026, 12, 14, 9, 30, tzinfo=UTC)


def test_monthly_opens_on_the_first_chosen_weekday_of_the_month() -> None:
    previous = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # first Monday of December
    following = slot_after(
        cadence=Cadence.MONTHLY,
        weekday=0,
        local_time="09:30",
        timezone="Europe/London",
        previous=previous,
        now=previous,
    )
    assert following == datetime(2027, 1, 4, 9, 30, tzinfo=UTC)


def test_a_worker_down_for_weeks_opens_one_round_not_a_burst() -> None:
    previous = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    following = slot_after(
        cadence=Cadence.WEEKLY,
        weekday=0,
        local_time="09:30",
        timezone="Europe/London",
        previous=previous,
        now=now,
    )
    assert following == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
