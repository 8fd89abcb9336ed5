"""The directory's rules without Slack: cleaning HR's input, filtering, regions from time zones."""

from __future__ import annotations

from slackapp.database import SessionFactory
from slackapp.resources.countries import region_rank
from slackapp.resources.service import (
    DirectoryFilter,
    entry_errors,
    filter_entries,
    for_region_first,
    region_from_timezone,
    split_list,
)
from slackapp.resources.views import build_countries_input
from slackapp.support import SupportKind
from tests.resource_factories import group_spec, make_entry, professional_spec


def test_tags_and_regions_are_split_on_commas_trimmed_and_not_repeated() -> None:
    assert split_list(" grief,  New   parents , grief,,\nCaregivers ") == (
        "grief",
        "New parents",
        "Caregivers",
    )
    assert split_list(None) == ()


def test_a_valid_entry_has_no_errors_and_professional_help_needs_a_way_to_reach_it() -> None:
    assert entry_errors(group_spec()) == {}
    assert entry_errors(professional_spec(url=None)) == {}
    assert "url" in entry_errors(professional_spec(url=None, phone=None))


def test_filters_combine_kind_tag_and_every_searched_word(session_factory: SessionFactory) -> None:
    parents = make_entry(session_factory, group_spec("Parents at Work"))
    grief = make_entry(
        session_factory, group_spec("Grief circle", support_kinds=("emotional",), tags=("grief",))
    )
    both = [parents, grief]
    assert filter_entries(both, DirectoryFilter(support_kind=SupportKind.EMOTIONAL)) == [grief]
    assert filter_entries(both, DirectoryFilter(tag="Caregivers")) == [parents]
    assert filter_entries(both, DirectoryFilter(text="PARENTS work")) == [parents]
    assert filter_entries(both, DirectoryFilter(text="work grief")) == []
    assert filter_entries(both, DirectoryFilter()) == both


def test_countries_from_slack_time_zones() -> None:
    known = ["UK", "Ireland", "Europe", "US"]
    assert region_from_timezone("Europe/London", known) == "GB"
    assert region_from_timezone("Europe/Dublin", known) == "IE"
    assert region_from_timezone("America/New_York", known) == "US"
    assert region_from_timezone("Antarctica/Troll", known) == "AQ"
    assert region_from_timezone("Not/AZone", known) is None
    assert region_from_timezone(None, known) is None


def test_a_country_matches_its_code_its_name_an_old_alias_then_its_continent() -> None:
    served_gb = (["GB"], ["United Kingdom"], ["UK", "Ireland"])
    assert [region_rank(served, "GB") for served in served_gb] == [0, 0, 0]
    assert region_rank(["Europe"], "GB") == 1
    assert region_rank([], "GB") == 2
    assert region_rank(["US"], "GB") == 3
    assert region_rank(["Dublin"], "Dublin") == 0  # a region typed before the list still matches itself


def test_hr_picks_countries_from_a_list_grouped_by_continent_and_keeps_an_older_region() -> None:
    element = build_countries_input(["UK", "Europe"]).to_dict()["element"]

    assert element["type"] == "multi_static_select"
    assert all(len(group["options"]) <= 100 for group in element["option_groups"])
    assert {"Europe", "Americas", "Typed before"} <= {g["label"]["text"] for g in element["option_groups"]}
    assert [o["value"] for o in element["initial_options"]] == ["GB", "Europe"]


def test_help_for_my_region_then_everywhere_then_elsewhere(session_factory: SessionFactory) -> None:
    us = make_entry(session_factory, professional_spec("US line", regions=("US",)))
    everywhere = make_entry(session_factory, professional_spec("Global line"))
    uk = make_entry(session_factory, professional_spec("UK line", regions=("UK",)))
    assert [e.name for e in for_region_first([us, everywhere, uk], "uk")] == [
        "UK line",
        "Global line",
        "US line",
    ]
