"""The Slack workspace owner's attacks: everything Slack stores (an export, the Discovery API, a DLP tool).

Here: the anonymous-question relay of a resource group. The asker's question reaches the group's contact
in a DM from Kindred, and the answer comes back in a DM from Kindred to the asker. Both DMs are in Slack's
stored history. Kindred keeps the question's text out of the answer's DM so the two cannot be matched by
their words; the attack matches them by anything else they share.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select

from slackapp.database import SessionFactory
from slackapp.resources.models import AnonymousQuestion
from tests.resource_factories import CONTACT, group_spec, make_entry
from tests.resources.test_anonymous_questions import answer
from tests.slack_requests import SlackRequests, text
from tests.slack_standin import SlackStandIn

GROUPS = ("Grief circle", "Parents at Work")
# Two people ask on the same day, each about a different group with the same contact.
ASKED = {
    "U0GRIEVING": ("Grief circle", "Is it OK to join if my loss was a while ago?"),
    "U0NEWPARENT": ("Parents at Work", "Do people here talk about going back after leave?"),
}


def export(slack: SlackStandIn) -> list[dict[str, Any]]:
    """Every message Slack took, with the conversation it is in (Kindred posts a DM to the person's ID)."""
    return [
        {"conversation": c.args["channel"], **c.args} for c in slack.successful_calls_to("chat.postMessage")
    ]


def relay_attack(messages: list[dict[str, Any]], groups: tuple[str, ...]) -> dict[str, str]:
    """Each question the contact was sent, with its asker when exactly one of the people Kindred sent a DM
    to (other than the contact) can be it: a DM naming the same group, or any DM when none names one.
    The directory's group names are no secret: everyone can browse them."""
    questions = [m for m in messages if m["conversation"] == CONTACT]
    to_people = [m for m in messages if m["conversation"] != CONTACT and m["conversation"].startswith("U")]
    found: dict[str, str] = {}
    for question in questions:
        shown = json.dumps(question)
        group = next((g for g in groups if g in shown), None)
        naming = {m["conversation"] for m in to_people if group and group in json.dumps(m)}
        candidates = naming or {m["conversation"] for m in to_people}
        if len(candidates) == 1:
            found[next(q for _, q in ASKED.values() if q in shown)] = candidates.pop()
    return found


def ask_all(slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory) -> list[str]:
    """Both ask through the App Home's form. Returns the questions' ids."""
    from slackapp.resources.ids import QUESTION_BLOCK, ResourceAction, ResourceCallback

    for person in (*ASKED, CONTACT):
        slack.add_user(person)
    entries = {name: make_entry(session_factory, group_spec(name)) for name in GROUPS}
    for person, (group, question) in ASKED.items():
        reply = slack_requests.view_submission(
            ResourceCallback.ASK_ANONYMOUSLY,
            {QUESTION_BLOCK: {ResourceAction.QUESTION_FIELD: text(question)}},
            json.dumps({"entry_id": str(entries[group].id)}),
            user_id=person,
        )
        assert reply.status == 200 and "Question sent" in reply.text
    with session_factory() as session:
        return [str(q) for q in session.scalars(select(AnonymousQuestion.id))]


def answer_all(slack_requests: SlackRequests, question_ids: list[str]) -> None:
    """The contact answers every question (and with that the link to its asker is deleted)."""
    for question_id in question_ids:
        assert "Answer sent" in answer(slack_requests, question_id, "Yes, you would be very welcome.").text


def relayed_world(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> Mapping[str, str]:
    """Both ask; the contact answers both. Returns what the attack found in the export."""
    answer_all(slack_requests, ask_all(slack_requests, slack, session_factory))
    return relay_attack(export(slack), GROUPS)


def test_the_relays_two_dms_do_not_say_who_asked_which_question(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    assert relayed_world(slack_requests, slack, session_factory) == {}


@pytest.fixture
def answers_that_name_the_group_and_day(
    monkeypatch: pytest.MonkeyPatch, session_factory: SessionFactory
) -> None:
    """A weakened relay, as Kindred had it: the answer's DM names the group asked about and the day."""
    from slack_sdk.models.blocks import Block, SectionBlock

    from slackapp.resources.listeners import questions
    from slackapp.resources.models import ResourceEntry
    from slackapp.resources.service import asked_on

    answering: list[AnonymousQuestion] = []
    look_up = questions.get_question_for_contact

    def remembered(**kwargs: Any) -> AnonymousQuestion:
        answering.append(look_up(**kwargs))
        return answering[-1]

    def naming(answer: str) -> tuple[str, list[Block]]:
        question = answering[-1]
        with session_factory() as session:
            entry = session.get(ResourceEntry, question.entry_id)
            assert entry is not None
        day = f"{asked_on(question):%A %d %B}"
        return f"Your anonymous question about {entry.name} was answered.", [
            SectionBlock(text=f"Your anonymous question about *{entry.name}*, sent on {day}, was answered:"),
            SectionBlock(text=answer),
        ]

    monkeypatch.setattr(questions, "get_question_for_contact", remembered)
    monkeypatch.setattr(questions, "build_answer_message", naming)


def test_the_relay_attack_names_each_asker_when_the_answer_names_the_group(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    answers_that_name_the_group_and_day: None,
) -> None:
    found = relayed_world(slack_requests, slack, session_factory)
    assert found == {question: person for person, (_, question) in ASKED.items()}
