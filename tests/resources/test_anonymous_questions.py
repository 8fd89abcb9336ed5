"""Ask anonymously: a question reaches a group's contact without the asker's name, the answer comes back
through Kindred, and the link between question and asker is deleted once the answer is delivered, or after
30 days by the worker."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from slackapp.database import SessionFactory
from slackapp.resources.ids import ANSWER_BLOCK, QUESTION_BLOCK, ResourceAction, ResourceCallback
from slackapp.resources.models import AnonymousQuestion
from slackapp.resources.relay import AskerKeys
from slackapp.scheduler.worker import Worker
from tests.conftest import SECRET_KEY, Clock
from tests.resource_factories import CONTACT, count, group_spec, make_entry
from tests.slack_requests import SlackRequests, text, view_payload
from tests.slack_standin import SlackStandIn

ASKER = "U0ASKER"
SOMEONE_ELSE = "U0NOSY"
QUESTION = "Is it OK to join if my loss was a while ago?"


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    for person in (ASKER, CONTACT, SOMEONE_ELSE):
        slack.add_user(person)


def next_call(slack: SlackStandIn, method: str, action: Callable[[], Any]) -> dict[str, Any]:
    seen = len(slack.calls_to(method))
    action()
    return slack.wait_for_call(method, count=seen + 1).args


def ask(slack_requests: SlackRequests, entry_id: str, question: str | None = QUESTION) -> Any:
    return slack_requests.view_submission(
        ResourceCallback.ASK_ANONYMOUSLY,
        {QUESTION_BLOCK: {ResourceAction.QUESTION_FIELD: text(question)}},
        json.dumps({"entry_id": entry_id}),
        user_id=ASKER,
    )


def answer(slack_requests: SlackRequests, question_id: str, reply: str | None, user_id: str = CONTACT) -> Any:
    return slack_requests.view_submission(
        ResourceCallback.ANSWER,
        {ANSWER_BLOCK: {ResourceAction.ANSWER_FIELD: text(reply)}},
        json.dumps({"question_id": question_id}),
        user_id=user_id,
    )


def test_a_question_and_its_answer_are_relayed_and_then_the_link_is_gone(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec("Grief circle"))
    directory = view_payload(ResourceCallback.DIRECTORY)
    form = next_call(
        slack,
        "views.push",
        lambda: slack_requests.block_action(
            ResourceAction.ASK_ANONYMOUSLY, str(entry.id), user_id=ASKER, view=directory
        ),
    )
    assert form["view"]["callback_id"] == ResourceCallback.ASK_ANONYMOUSLY

    sent = ask(slack_requests, str(entry.id))

    assert sent.json()["response_action"] == "update" and "without your name" in json.dumps(
        sent.json()["view"]
    )
    [to_contact] = slack.successful_calls_to("chat.postMessage")
    assert to_contact.args["channel"] == CONTACT
    assert ASKER not in json.dumps(to_contact.args)  # nothing in the DM points at who asked
    assert QUESTION in json.dumps(to_contact.args["blocks"])
    [button] = [
        e
        for b in to_contact.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ResourceAction.ANSWER_QUESTION
    ]
    question_id = button["value"]
    with session_factory() as session:
        [sealed] = session.scalars(select(AnonymousQuestion.asker_sealed)).all()
    assert AskerKeys(SECRET_KEY).open(sealed) == ASKER  # kept, but only sealed

    opened = next_call(
        slack,
        "views.open",
        lambda: slack_requests.block_action(
            ResourceAction.ANSWER_QUESTION, question_id, user_id=CONTACT, channel_id="D0CONTACT"
        ),
    )
    assert opened["view"]["callback_id"] == ResourceCallback.ANSWER

    delivered = answer(slack_requests, question_id, "Yes, whenever you're ready. Welcome.")

    assert "delivered" in json.dumps(delivered.json()["view"])
    to_asker = slack.successful_calls_to("chat.postMessage")[-1]
    assert to_asker.args["channel"] == ASKER
    assert "Welcome." in json.dumps(to_asker.args["blocks"]) and CONTACT not in json.dumps(to_asker.args)
    # Nothing the contact's DM also says: not the question, nor its group (tests/privacy, workspace owner).
    assert QUESTION not in json.dumps(to_asker.args) and "Grief circle" not in json.dumps(to_asker.args)
    assert count(session_factory, AnonymousQuestion) == 0  # the link is gone

    again = answer(slack_requests, question_id, "Answering twice")
    assert "already been answered" in json.dumps(again.json()["view"])
    assert len(slack.successful_calls_to("chat.postMessage")) == 2


def test_only_the_contact_it_was_sent_to_can_answer(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))
    with session_factory() as session:
        question_id = str(session.scalars(select(AnonymousQuestion.id)).one())

    refused = answer(slack_requests, question_id, "Who are you?", user_id=SOMEONE_ELSE)

    assert refused.json()["response_action"] == "update"
    assert len(slack.successful_calls_to("chat.postMessage")) == 1  # only the question, no answer
    assert count(session_factory, AnonymousQuestion) == 1
    opened = next_call(
        slack,
        "views.open",
        lambda: slack_requests.block_action(
            ResourceAction.ANSWER_QUESTION, question_id, user_id=SOMEONE_ELSE
        ),
    )
    assert QUESTION not in json.dumps(opened["view"])


def test_an_empty_or_overlong_question_is_explained_inline_and_nothing_is_kept_or_sent(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    for question in (None, "   ", "x" * 2001):
        reply = ask(slack_requests, str(entry.id), question)
        assert reply.json()["response_action"] == "errors" and QUESTION_BLOCK in reply.json()["errors"]
    assert count(session_factory, AnonymousQuestion) == 0
    assert not slack.calls_to("chat.postMessage")


def test_a_question_that_cannot_be_delivered_is_not_kept(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    slack.fail_next("chat.postMessage", error="user_not_found")
    reply = ask(slack_requests, str(entry.id))
    assert reply.json()["response_action"] == "errors"
    assert count(session_factory, AnonymousQuestion) == 0


def test_an_answer_that_cannot_be_delivered_keeps_the_question_for_a_retry(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))
    with session_factory() as session:
        question_id = str(session.scalars(select(AnonymousQuestion.id)).one())
    slack.fail_next("chat.postMessage", error="fatal_error")

    failed = answer(slack_requests, question_id, "Yes!")
    assert failed.json()["response_action"] == "errors"
    assert count(session_factory, AnonymousQuestion) == 1

    answer(slack_requests, question_id, "Yes!")
    assert count(session_factory, AnonymousQuestion) == 0


def test_the_worker_forgets_unanswered_questions_after_30_days(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    worker: Worker,
    clock: Clock,
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))

    clock.advance(days=29)
    worker.run_once()
    assert count(session_factory, AnonymousQuestion) == 1

    clock.advance(days=1, seconds=1)
    worker.run_once()
    assert count(session_factory, AnonymousQuestion) == 0


def test_the_thirty_days_are_counted_from_the_question(session_factory: SessionFactory) -> None:
    from slackapp.database import utcnow
    from slackapp.resources.service import QUESTION_LIFETIME, ask_anonymously

    entry = make_entry(session_factory)
    now = utcnow()
    with session_factory.begin() as session:
        row = ask_anonymously(
            session=session,
            workspace_id=entry.workspace_id,
            entry_id=entry.id,
            asker_id=ASKER,
            question="?",
            now=now,
            keys=AskerKeys(SECRET_KEY),
        )
        assert row.expires_at - now == QUESTION_LIFETIME == timedelta(days=30)
