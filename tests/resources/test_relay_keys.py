"""The relay seals its askers under a key of its own, apart from the stored Slack tokens' key; askers sealed
under the tokens' key before that still get their answer (docs/anonymity.md, "Keys")."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select, update

from slackapp.database import SessionFactory
from slackapp.installations.store import SLACK_TOKEN_PURPOSE
from slackapp.keys.encryption import SecretBox, UnreadableSecret
from slackapp.resources.models import AnonymousQuestion
from slackapp.resources.relay import AskerKeys
from tests.conftest import SECRET_KEY
from tests.resource_factories import CONTACT, count, make_entry
from tests.resources.test_anonymous_questions import ASKER, answer, ask
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

ANSWER = "Yes, come along on Thursday."


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    for person in (ASKER, CONTACT):
        slack.add_user(person)


def sealed_asker(session_factory: SessionFactory) -> bytes:
    with session_factory() as session:
        return session.scalars(select(AnonymousQuestion.asker_sealed)).one()


def test_an_asker_is_sealed_under_the_relays_key_which_the_tokens_key_cannot_open(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))

    sealed = sealed_asker(session_factory)

    assert AskerKeys(SECRET_KEY).open(sealed) == ASKER
    with pytest.raises(UnreadableSecret):
        SecretBox(SECRET_KEY, purpose=SLACK_TOKEN_PURPOSE).open(sealed)


def test_an_asker_sealed_under_the_tokens_key_before_the_relay_had_its_own_still_gets_the_answer(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # an operator debugging something else
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))
    # What Kindred wrote for a waiting question before askers had their own purpose.
    with session_factory.begin() as session:
        question_id = str(session.scalars(select(AnonymousQuestion.id)).one())
        session.execute(
            update(AnonymousQuestion).values(
                asker_sealed=SecretBox(SECRET_KEY, purpose=SLACK_TOKEN_PURPOSE).seal(ASKER.encode())
            )
        )

    delivered = answer(slack_requests, question_id, ANSWER)

    assert "delivered" in json.dumps(delivered.json()["view"])
    to_asker = slack.successful_calls_to("chat.postMessage")[-1]
    assert to_asker.args["channel"] == ASKER and ANSWER in json.dumps(to_asker.args["blocks"])
    assert count(session_factory, AnonymousQuestion) == 0
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert ASKER not in logged and ANSWER not in logged
