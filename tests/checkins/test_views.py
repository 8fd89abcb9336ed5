"""The check-in's Block Kit, built without Slack: what a person reads before and after answering."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from slackapp.admin.service import HelpContact
from slackapp.cadence.schedule import Cadence
from slackapp.checkins.ids import COMMENT_BLOCK
from slackapp.checkins.models import Pulse, Round, RoundState
from slackapp.checkins.questions import CATALOGUE
from slackapp.checkins.suggestions import Needs, Suggestion, needs_from_answers, suggest
from slackapp.checkins.views import (
    build_checkin_modal,
    build_pulse_form,
    build_thank_you_view,
    render_thank_you_view,
)
from slackapp.support import SupportKind


def a_round(comments: bool = True) -> Round:
    now = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    return Round(
        id=uuid.uuid4(),
        workspace_id="T1",
        channel_id="C1",
        slot=now,
        questions=[q.to_snapshot() for q in CATALOGUE],
        comments_enabled=comments,
        state=RoundState.OPEN,
        opens_at=now,
        closes_at=now + timedelta(hours=72),
    )


def test_the_modal_says_what_leaders_see_and_what_is_never_stored() -> None:
    round_ = a_round()
    modal = build_checkin_modal(round_, min_group_size=7, min_comment_group_size=12).to_dict()
    intro = json.dumps(modal["blocks"][0])
    assert "team averages only" in intro and "under 7 people" in intro and "Never stored" in intro
    comment = next(b for b in modal["blocks"] if b.get("block_id") == COMMENT_BLOCK)
    assert comment["optional"] is True
    assert "12 or more" in comment["hint"]["text"] and "identify you" in comment["hint"]["text"]
    assert json.loads(modal["private_metadata"]) == {"round_id": str(round_.id)}


def test_the_modal_asks_every_question_the_round_kept_on_a_labelled_1_to_5_scale() -> None:
    modal = build_checkin_modal(
        a_round(comments=False), min_group_size=5, min_comment_group_size=10
    ).to_dict()
    questions = [b for b in modal["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in questions] == [q.key.value for q in CATALOGUE]
    options = [o["text"]["text"] for o in questions[0]["element"]["options"]]
    assert options == ["1 · Struggling", "2", "3", "4", "5 · Thriving"]
    assert all(b.get("block_id") != COMMENT_BLOCK for b in modal["blocks"])


def test_thank_you_lists_professional_help_first_when_wellbeing_is_low() -> None:
    contact = HelpContact(name="EAP", url="https://eap.example.com", phone="+1 800 555 0100")
    needs = needs_from_answers({"wellbeing": 1, "stress": 5, "emotional": 2, "practical": 4})
    assert needs == Needs(low_wellbeing=True, high_stress=True, low_support=(SupportKind.EMOTIONAL,))
    suggestions = suggest(needs, help_contact=contact)
    assert suggestions[0].professional
    view = json.dumps(build_thank_you_view(suggestions).to_dict())
    assert "+1 800 555 0100" in view and "only you can see this" in view


def test_calm_answers_get_no_suggestions_and_a_low_support_score_gets_a_specific_tip() -> None:
    assert suggest(needs_from_answers({"wellbeing": 4, "stress": 2}), help_contact=None) == []
    tips = suggest(needs_from_answers({"wellbeing": 4, "stress": 2, "practical": 1}), help_contact=None)
    assert len(tips) == 1 and "concrete task" in tips[0].text


def test_the_pulse_form_is_filled_in_when_editing() -> None:
    pulse = Pulse(
        id=uuid.uuid4(),
        workspace_id="T1",
        channel_id="C9",
        cadence=Cadence.FORTNIGHTLY,
        weekday=3,
        local_time="14:00",
        timezone="Asia/Tokyo",
        open_hours=48,
        question_keys=["wellbeing", "stress"],
        comments_enabled=False,
        reminder_enabled=True,
        paused=False,
    )
    form = json.dumps(build_pulse_form(pulse, default_timezone="UTC").to_dict())
    for expected in ('"initial_conversation": "C9"', '"fortnightly"', '"14:00"', '"Asia/Tokyo"', '"48"'):
        assert expected in form


def test_the_rendered_thank_you_view_is_the_typed_builders() -> None:
    """`render_thank_you_view` skips building Block Kit objects; what Slack receives is the same."""
    contact = HelpContact(name="EAP <24/7>", url="https://eap.example.com", phone="+44 800 123 4567")
    longest = Suggestion(
        title="G" * 150, text="d" * 280 + " Find it in <#C0LISTEN>.", url="https://x.example"
    )
    for suggestions in (
        [],
        suggest(needs_from_answers({"wellbeing": 4, "stress": 2, "practical": 1}), help_contact=None),
        suggest(needs_from_answers({"wellbeing": 1, "stress": 5, "emotional": 2}), help_contact=contact),
        [longest, Suggestion(title="Plain", text="no link, no phone")],
    ):
        assert render_thank_you_view(suggestions) == build_thank_you_view(suggestions).to_dict()
    # Each answer gets its own copy: one person's suggestions never reach the next person's view.
    render_thank_you_view([longest])["blocks"].append({"type": "divider"})
    assert render_thank_you_view([]) == build_thank_you_view([]).to_dict()
