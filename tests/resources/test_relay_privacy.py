"""The relay keeps no plain trace of who asked, the two DMs do not match, a limit stops floods, and a
contact can report an abusive question to HR, who never learns who sent it (nobody can)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, select

from slackapp.admin.service import add_kindred_admin
from slackapp.database import Base, SessionFactory, utcnow
from slackapp.models import AnonymousQuestion, QuestionCount
from slackapp.resources.ids import QUESTION_BLOCK, ResourceAction
from slackapp.resources.service import QUESTIONS_PER_DAY, purge_expired_questions
from tests.factories import WORKSPACE
from tests.resource_factories import CONTACT, count, group_spec, make_entry
from tests.resources.test_anonymous_questions import ASKER, QUESTION, SOMEONE_ELSE, answer, ask
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

HR = "U0HRREPORTS"


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    for person in (ASKER, CONTACT, SOMEONE_ELSE, HR):
        slack.add_user(person)


def dump(session_factory: SessionFactory) -> str:
    """Every text, JSON and binary value in the database, as a dump would show it."""
    values: list[str] = []
    with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column in table.columns:
                    if isinstance(column.type, (String, Text, JSON, LargeBinary)) and row[column] is not None:
                        value = row[column]
                        values.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return "\n".join(values)


def question_id(session_factory: SessionFactory) -> str:
    with session_factory() as session:
        return str(session.scalars(select(AnonymousQuestion.id)).one())


def test_no_table_holds_the_askers_id_while_the_question_waits(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec("Grief circle"))
    ask(slack_requests, str(entry.id))
    assert count(session_factory, AnonymousQuestion) == 1
    assert ASKER not in dump(session_factory)


def test_the_two_dms_share_no_text_an_export_could_match(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec("Grief circle"))
    ask(slack_requests, str(entry.id))
    answer(slack_requests, question_id(session_factory), "Yes, come along on Thursday.")
    to_contact, to_asker = slack.successful_calls_to("chat.postMessage")
    assert to_asker.args["channel"] == ASKER
    assert QUESTION in json.dumps(to_contact.args)
    for piece in (QUESTION, *QUESTION.split("?")[0].split(" if ")):
        assert piece not in json.dumps(to_asker.args), piece
    assert "Yes, come along on Thursday." in json.dumps(to_asker.args["blocks"])


def test_one_person_can_send_only_so_many_questions_a_day(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    for _ in range(QUESTIONS_PER_DAY):
        assert ask(slack_requests, str(entry.id)).json()["response_action"] == "update"

    refused = ask(slack_requests, str(entry.id))

    assert refused.json()["response_action"] == "errors"
    assert "tomorrow" in refused.json()["errors"][QUESTION_BLOCK]
    assert count(session_factory, AnonymousQuestion) == QUESTIONS_PER_DAY
    assert len(slack.successful_calls_to("chat.postMessage")) == QUESTIONS_PER_DAY
    # Counted under a keyed hash: the count table does not name them either.
    assert ASKER not in dump(session_factory)
    with session_factory() as session:
        [counted] = session.scalars(select(QuestionCount)).all()
    assert counted.count == QUESTIONS_PER_DAY and len(counted.asker_hash) == 32


def test_the_limit_is_per_person_and_a_failed_send_does_not_use_it_up(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    slack.fail_next("chat.postMessage", error="user_not_found")
    assert ask(slack_requests, str(entry.id)).json()["response_action"] == "errors"
    for _ in range(QUESTIONS_PER_DAY):
        assert ask(slack_requests, str(entry.id)).json()["response_action"] == "update"
    someone_else = slack_requests.view_submission(
        "resources_ask_anonymously",
        {QUESTION_BLOCK: {ResourceAction.QUESTION_FIELD: {"type": "plain_text_input", "value": "Me too?"}}},
        json.dumps({"entry_id": str(entry.id)}),
        user_id=SOMEONE_ELSE,
    )
    assert someone_else.json()["response_action"] == "update"


def test_yesterdays_counts_are_deleted(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))
    with session_factory.begin() as session:
        purge_expired_questions(session=session, now=utcnow() + timedelta(days=1))
    assert count(session_factory, QuestionCount) == 0


def test_the_contact_reports_an_abusive_question_and_hr_never_learns_who_sent_it(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    with session_factory.begin() as session:
        add_kindred_admin(
            session=session, workspace_id=WORKSPACE, user_id=HR, added_by="U0OWNER", now=utcnow()
        )
    entry = make_entry(session_factory, group_spec("Grief circle"))
    nasty = "You are useless <!channel> <https://evil.example|https://eap.example.com>"
    ask(slack_requests, str(entry.id), nasty)
    [to_contact] = slack.successful_calls_to("chat.postMessage")
    buttons = [
        e["action_id"] for b in to_contact.args["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert ResourceAction.REPORT_QUESTION in buttons

    slack_requests.block_action(
        ResourceAction.REPORT_QUESTION, question_id(session_factory), user_id=CONTACT, channel_id="D0CONTACT"
    )

    to_hr = slack.successful_calls_to("chat.postMessage")[-1]
    assert to_hr.args["channel"] == HR
    shown = json.dumps(to_hr.args)
    assert "Grief circle" in shown and "You are useless" in shown
    assert ASKER not in shown
    assert "<!channel>" not in shown and "<https://evil" not in shown  # escaped, as typed
    assert "&lt;!channel&gt;" in shown
    reported = slack.calls_to("views.open")[-1].args["view"]
    assert "Reported" in json.dumps(reported)
    assert count(session_factory, AnonymousQuestion) == 0  # the link to the asker is gone
    assert not [c for c in slack.successful_calls_to("chat.postMessage") if c.args["channel"] == ASKER]


def test_reporting_with_no_hr_to_tell_keeps_the_question(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))
    slack_requests.block_action(ResourceAction.REPORT_QUESTION, question_id(session_factory), user_id=CONTACT)
    assert "Nobody to report to" in json.dumps(slack.calls_to("views.open")[-1].args["view"])
    assert count(session_factory, AnonymousQuestion) == 1


def test_only_the_contact_can_report_a_question(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    with session_factory.begin() as session:
        add_kindred_admin(
            session=session, workspace_id=WORKSPACE, user_id=HR, added_by="U0OWNER", now=utcnow()
        )
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))
    slack_requests.block_action(
        ResourceAction.REPORT_QUESTION, question_id(session_factory), user_id=SOMEONE_ELSE
    )
    assert len(slack.successful_calls_to("chat.postMessage")) == 1  # only the question itself
    assert count(session_factory, AnonymousQuestion) == 1
