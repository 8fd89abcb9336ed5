"""After a check-in, the directory suggests entries that serve what the person's answers show is missing;
professional help comes first when well-being is low or stress is high. Shown to that person, never stored."""

from __future__ import annotations

import json
from typing import Any

from slackapp.checkins.ids import CheckinAction, CheckinCallback
from slackapp.checkins.questions import DEFAULT_QUESTION_KEYS
from slackapp.checkins.suggestions import Needs
from slackapp.database import SessionFactory, utcnow
from slackapp.resources.service import set_entry_archived
from slackapp.resources.suggestions import directory_source
from slackapp.support import SupportKind
from tests.factories import HR_ADMIN, WORKSPACE, invite, make_open_round
from tests.resource_factories import group_spec, make_entry, professional_spec, snapshot
from tests.slack_requests import SlackRequests, radio
from tests.slack_standin import SlackStandIn

PERSON = "U0PERSON01"
# What a check-in may legitimately write: the person's anonymous answers and the ledger.
CHECKIN_WRITES = ("checkin_answer", "checkin_participation", "checkin_comment")


def answers(**scores: int) -> dict[str, dict[str, Any]]:
    return {
        key.value: {
            CheckinAction.ANSWER: radio(str(scores.get(key.value, 4 if key.value != "stress" else 2)))
        }
        for key in DEFAULT_QUESTION_KEYS
    }


def directory(session_factory: SessionFactory) -> None:
    make_entry(session_factory, group_spec("Parents at Work", support_kinds=("practical", "belonging")))
    make_entry(
        session_factory, group_spec("Listening circle", channel_id="C0LISTEN", support_kinds=("emotional",))
    )
    make_entry(session_factory, professional_spec("Samaritans", support_kinds=("emotional",)))
    archived = make_entry(
        session_factory, group_spec("Old circle", channel_id="C0OLD", support_kinds=("practical",))
    )
    with session_factory.begin() as session:
        set_entry_archived(
            session=session,
            workspace_id=WORKSPACE,
            entry_id=archived.id,
            archived=True,
            by=HR_ADMIN,
            now=utcnow(),
        )


def submit(slack_requests: SlackRequests, round_id: str, user_id: str, form: dict[str, Any]) -> str:
    reply = slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL, form, json.dumps({"round_id": round_id}), user_id=user_id
    )
    assert reply.json()["response_action"] == "update"
    return json.dumps(reply.json()["view"])


def test_suggestions_after_a_check_in_match_the_answers_and_nothing_about_them_is_stored(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    directory(session_factory)
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, PERSON)
    before = snapshot(session_factory, leave_out=CHECKIN_WRITES)

    shown = submit(slack_requests, str(round_.id), PERSON, answers(practical=1))

    assert "Parents at Work" in shown  # serves practical help, which scored low
    assert "Listening circle" not in shown and "Old circle" not in shown
    assert snapshot(session_factory, leave_out=CHECKIN_WRITES) == before
    assert "Parents at Work" not in json.dumps(snapshot(session_factory)["checkin_answer"])


def test_low_wellbeing_puts_professional_help_first(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    directory(session_factory)
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, PERSON)
    before = snapshot(session_factory, leave_out=CHECKIN_WRITES)

    shown = submit(slack_requests, str(round_.id), PERSON, answers(wellbeing=1, emotional=1))

    assert shown.index("Samaritans") < shown.index("Listening circle")
    assert "Parents at Work" not in shown
    assert snapshot(session_factory, leave_out=CHECKIN_WRITES) == before


def test_no_need_no_suggestions(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    directory(session_factory)
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, PERSON)
    shown = submit(slack_requests, str(round_.id), PERSON, answers(wellbeing=5))
    assert "Parents at Work" not in shown and "Samaritans" not in shown


def test_the_source_prefers_my_region_and_caps_the_list(session_factory: SessionFactory) -> None:
    near = make_entry(session_factory, professional_spec("Near line", regions=("Ireland",)))
    far = make_entry(session_factory, professional_spec("Far line", regions=("US",)))
    groups = [
        make_entry(session_factory, group_spec(f"Group {n}", support_kinds=("emotional",))) for n in range(6)
    ]

    urgent = directory_source([far, near, *groups], region="Ireland")(
        Needs(low_wellbeing=True, low_support=(SupportKind.EMOTIONAL,))
    )
    assert [s.title for s in urgent[:2]] == ["Near line", "Far line"] and urgent[0].professional
    assert len(urgent) == 4

    calm = directory_source([far, near, *groups], region="Ireland")(
        Needs(low_support=(SupportKind.EMOTIONAL,))
    )
    assert calm[0].title == "Group 0" and not calm[0].professional
