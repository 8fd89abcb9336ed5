"""Pairing Block Kit builders, without Slack: what people and HR read."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest

from slackapp.cadence.schedule import Cadence
from slackapp.pairing.ids import PairingAction, PreferencesBlock
from slackapp.pairing.matching import Group, Matching, Person, match
from slackapp.pairing.models import Profile, Programme
from slackapp.pairing.service import HeldData, PastGroup
from slackapp.pairing.views import (
    STARTERS,
    build_announcement,
    build_held_data,
    build_introduction,
    build_preferences_modal,
    build_preview,
    build_programme_admin_blocks,
)
from slackapp.support import SupportKind


def profile(user_id: str, seeks: list[str], offers: list[str], **fields: object) -> Profile:
    return Profile(
        workspace_id="T",
        user_id=user_id,
        seeks=seeks,
        offers=offers,
        avoid=fields.pop("avoid", []),
        topics=fields.pop("topics", None),
        paused_until=fields.pop("paused_until", None),
        skip_next_round=False,
        unanswered_in_a_row=0,
        paused_for_silence=False,
    )


def a_programme() -> Programme:
    return Programme(
        id=uuid.uuid4(),
        workspace_id="T",
        channel_id="C0PEERS",
        cadence=Cadence.FORTNIGHTLY,
        weekday=2,
        local_time="10:00",
        timezone="Europe/London",
        repeat_window=6,
        prefer_cross_team=True,
        paused=False,
        next_round_at=datetime(2026, 12, 2, 10, tzinfo=UTC),
    )


def test_an_introduction_says_why_offers_two_or_three_starters_and_a_we_met_button() -> None:
    profiles = {
        "UA": profile("UA", ["emotional"], ["advice"], topics="new parents"),
        "UB": profile("UB", ["advice"], ["emotional"]),
    }

    text, blocks = build_introduction(
        group_id="g1", members=("UA", "UB"), profiles=profiles, channel_id="C0P"
    )

    shown = json.dumps([b.to_dict() for b in blocks])
    assert "<@UA>" in text and "<@UB>" in text
    assert "<@UA> can offer advice and know-how, which <@UB> would welcome." in shown
    assert "<@UB> can offer someone to listen, which <@UA> would welcome." in shown
    assert "new parents" in shown
    starters = [s for kind in STARTERS.values() for s in kind if s in shown]
    assert 2 <= len(starters) <= 3
    assert PairingAction.WE_MET in shown


def test_the_preferences_form_keeps_what_was_chosen_and_says_the_list_is_private() -> None:
    programme = a_programme()
    mine = profile("UA", ["belonging"], ["practical"], avoid=["UZ"], paused_until=date(2027, 1, 4))

    view = build_preferences_modal(programmes=[programme], joined={str(programme.id)}, profile=mine).to_dict()

    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[PreferencesBlock.AVOID]["element"]["initial_users"] == ["UZ"]
    assert "only you ever see" in json.dumps(blocks[PreferencesBlock.AVOID])
    assert blocks[PreferencesBlock.PAUSED_UNTIL]["element"]["initial_date"] == "2027-01-04"
    assert blocks[PreferencesBlock.PROGRAMMES]["element"]["initial_options"][0]["value"] == str(programme.id)


def test_what_kindred_holds_lists_everything_and_nothing_when_there_is_nothing() -> None:
    held = HeldData(
        profile("UA", ["emotional"], [], avoid=["UZ"]),
        ("C0PEERS",),
        (PastGroup(datetime(2026, 11, 25, tzinfo=UTC), "C0PEERS", ("UB",), None),),
    )

    shown = json.dumps(build_held_data(held).to_dict())
    empty = json.dumps(build_held_data(HeldData(None, ())).to_dict())

    assert "<@UZ>" in shown and "<@UB>" in shown and "<#C0PEERS>" in shown
    assert "holds no pairing data" in empty


def test_hr_sees_programmes_and_the_preview_in_numbers_never_names() -> None:
    programme = a_programme()
    admin = json.dumps(
        [b.to_dict() for b in build_programme_admin_blocks([programme], {str(programme.id): 10})]
    )
    assert "at least 10 opted in" in admin and "every two weeks on Wednesday" in admin

    people = [
        Person("UA", frozenset({SupportKind.EMOTIONAL}), frozenset()),
        Person("UB", frozenset(), frozenset({SupportKind.EMOTIONAL}), avoid=frozenset({"UC"})),
        Person("UC", frozenset(), frozenset({SupportKind.ADVICE})),
    ]
    preview = json.dumps(build_preview(match(people), "C0PEERS").to_dict())
    # Under the minimum, no count of people: the dashboard hides a round of so few.
    assert "fewer than 5 people would take part" in preview and "*2* people" not in preview
    assert "could not be placed: fewer than 5" in preview and "placed: *1*" not in preview
    assert "meeting again within the repeat window: none" in preview  # nobody has met yet
    shown = json.dumps(build_preview(match(people), "C0PEERS", min_group_size=2).to_dict())
    assert "at least *2* people would take part" in shown and "could not be placed: fewer than 2" in shown
    assert "U" + "A" not in preview.replace("UTC", "") and "<@" not in preview
    assert not any(kind.label.lower() in preview.lower() for kind in SupportKind)


@pytest.mark.parametrize(
    ("repeated", "said"),
    [
        (0, "none"),
        (1, "some, fewer than 5 (how many is not shown)"),
        (4, "some, fewer than 5 (how many is not shown)"),
        (7, "at least *5*"),
        (12, "at least *10*"),
    ],
)
def test_the_preview_says_whether_pairs_meet_again_in_steps_never_one_by_one(
    repeated: int, said: str
) -> None:
    groups = tuple(
        Group((f"U{n}A", f"U{n}B"), score=0, repeats=(2,) if n < repeated else ()) for n in range(15)
    )
    preview = json.dumps(build_preview(Matching(groups), "C0PEERS").to_dict())
    assert f"meeting again within the repeat window: {said}" in preview
    assert "at least *30* people would take part" in preview  # thirty, in steps of five


def test_the_announcement_names_the_day_with_a_capital() -> None:
    programme = a_programme()
    programme.cadence, programme.weekday = Cadence.WEEKLY, 1

    text = json.dumps([b.to_dict() for b in build_announcement(programme)[1]])

    assert "Every week on Tuesday, Kindred" in text


def test_a_group_of_three_is_told_why_you_three() -> None:
    _, blocks = build_introduction(group_id="g", members=["UA", "UB", "UC"], profiles={}, channel_id="C1")
    shown = json.dumps([b.to_dict() for b in blocks])

    assert "*Why you three*" in shown and "two" not in shown.lower().replace("two weeks", "")
    assert "You all opted in" in shown


def test_the_preferences_form_says_exactly_what_a_partner_will_see() -> None:
    shown = json.dumps(build_preferences_modal(programmes=[], joined=set(), profile=None).to_dict())

    assert "What the people you're introduced to will see" in shown
    assert "only when one of them can offer it" in shown and "never your don't-pair list" in shown
