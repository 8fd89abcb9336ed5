"""The schedule part of the pulse and programme forms: a time zone is picked from a list, not typed."""

from __future__ import annotations

from zoneinfo import available_timezones

from slackapp.cadence.form import ScheduleBlock, build_schedule_blocks, chosen_timezone
from slackapp.cadence.schedule import Cadence


def test_the_time_zone_is_a_list_grouped_by_area_within_block_kits_limits() -> None:
    blocks = build_schedule_blocks(
        action_id="field",
        cadence=Cadence.WEEKLY,
        weekday=1,
        local_time="10:00",
        timezone="America/New_York",
        monthly_hint="",
    )
    (zone,) = [b.to_dict() for b in blocks if b.block_id == ScheduleBlock.TIMEZONE]
    element = zone["element"]

    assert element["type"] == "static_select"
    assert element["initial_option"]["value"] == "America/New_York"
    groups = element["option_groups"]
    assert len(groups) <= 100 and all(len(g["options"]) <= 100 for g in groups)
    offered = {o["value"] for g in groups for o in g["options"]}
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "UTC"} <= offered
    assert offered <= available_timezones()


def test_the_chosen_time_zone_is_read_from_the_list_or_from_an_older_typed_form() -> None:
    assert chosen_timezone({"selected_option": {"value": "Europe/London"}}) == "Europe/London"
    assert chosen_timezone({"value": " Europe/Paris "}) == "Europe/Paris"
    assert chosen_timezone({}) == ""
