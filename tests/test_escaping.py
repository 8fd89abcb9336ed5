"""Text a person or HR typed reaches Slack escaped on every surface: it pings nobody and hides no link.

Each test posts the hostile text through the real flow (signed requests, the worker) and reads what the Web
API stand-in received.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from slackapp.actions.service import record_action
from slackapp.admin.ids import AdminAction, AdminCallback, HelpBlock
from slackapp.checkins.ids import CheckinAction, CheckinCallback
from slackapp.checkins.questions import DEFAULT_QUESTION_KEYS
from slackapp.data_rights.ids import DataRightsAction
from slackapp.database import SessionFactory
from slackapp.mrkdwn import escape, link
from slackapp.pairing.ids import PairingAction, PreferencesBlock
from slackapp.resources.ids import ResourceAction
from slackapp.resources.service import set_region
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.factories import WORKSPACE, invite, make_open_round, make_pulse
from tests.pairing.test_pairing_story import (  # noqa: F401  (workspace is a fixture)
    PEOPLE,
    introductions,
    preferences_form,
    save_preferences,
    start_programme,
    workspace,
)
from tests.resource_factories import group_spec, make_entry, professional_spec
from tests.resources.test_anonymous_questions import ask
from tests.slack_requests import SlackRequests, radio, text, view_payload
from tests.slack_standin import BOT_USER_ID, SlackStandIn

HOSTILE = "Hi <!channel> & <@U0BOSS>: see <https://evil.example|https://eap.example.com> <!here>"
SMUGGLED = ("<!channel>", "<@U0BOSS>", "<https://evil", "<!here>")
PERSON = "U0PERSON"
HR = "U0HRADMIN"


def assert_inert(sent: Any) -> None:
    """Nothing typed can act as a mention or a link; it is all there, as typed, as entities."""
    shown = json.dumps(sent)
    for trick in SMUGGLED:
        assert trick not in shown, trick
    assert "&lt;!channel&gt;" in shown and "&amp;" in shown


def test_the_helper_escapes_the_three_control_characters_and_nothing_else() -> None:
    assert escape("a & b < c > d *bold* _it_ :smile:") == "a &amp; b &lt; c &gt; d *bold* _it_ :smile:"
    assert link("https://x.example/?a=1&b=2|<!channel>", "Site <x>") == (
        "<https://x.example/?a=1&amp;b=2%7C&lt;!channel&gt;|Site &lt;x&gt;>"
    )


def test_a_you_said_we_did_note_is_repeated_escaped_in_the_next_invitation(
    session_factory: SessionFactory, slack: SlackStandIn, worker: Worker, clock: Clock
) -> None:
    slack.add_channel("C0TEAM", members=[PERSON, BOT_USER_ID])
    slack.add_user(PERSON)
    make_pulse(session_factory, "C0TEAM", now=clock.now - timedelta(days=8))
    with session_factory.begin() as session:
        record_action(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0TEAM",
            week=clock.now.date(),
            body=HOSTILE,
            written_by="U0MANAGER",
            now=clock.now - timedelta(days=1),
        )
    clock.advance(seconds=1)
    worker.run_once()
    [invitation] = [c for c in slack.successful_calls_to("chat.postMessage") if c.args["channel"] == "C0TEAM"]
    assert "Here is what changed" in json.dumps(invitation.args["blocks"])
    assert_inert(invitation.args)


def test_group_names_and_descriptions_are_escaped_in_the_directory_and_the_welcome(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_user(PERSON)
    slack.add_channel("C0PARENTS", members=[BOT_USER_ID])
    entry = make_entry(session_factory, group_spec(HOSTILE[:150], description=HOSTILE, tags=()))
    slack_requests.command("/resources", user_id=PERSON)
    assert_inert(slack.calls_to("views.open")[-1].args["view"])
    slack_requests.block_action(
        ResourceAction.JOIN, str(entry.id), user_id=PERSON, view=view_payload("directory")
    )
    assert_inert(slack.calls_to("views.push")[-1].args["view"])


def test_a_professional_services_name_and_description_are_escaped_in_check_in_suggestions(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_entry(session_factory, professional_spec(HOSTILE[:150], description=HOSTILE))
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, PERSON)  # in the channel when it opened: only the invited answer
    low = {
        key.value: {CheckinAction.ANSWER: radio("1" if key.value != "stress" else "5")}
        for key in DEFAULT_QUESTION_KEYS
    }
    reply = slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL, low, json.dumps({"round_id": str(round_.id)}), user_id=PERSON
    )
    assert "Here is what changed" not in json.dumps(reply.json())
    assert_inert(reply.json()["view"])


def test_the_help_contact_hr_typed_is_escaped_in_the_app_home(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user(HR, is_admin=True)
    form = {
        HelpBlock.NAME: {AdminAction.HELP_FIELD: text(HOSTILE[:150])},
        HelpBlock.URL: {AdminAction.HELP_FIELD: text("https://eap.example.com/?a=1&b=2")},
        HelpBlock.PHONE: {AdminAction.HELP_FIELD: text(None)},
    }
    reply = slack_requests.view_submission(AdminCallback.HELP_FORM, form, user_id=HR)
    assert reply.status == 200 and reply.text == ""
    assert_inert(slack.home_views[HR])


@pytest.mark.usefixtures("workspace")
def test_pairing_topics_are_escaped_in_the_introduction(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    programme_id = str(start_programme(slack_requests, session_factory).id)
    for n, person in enumerate(PEOPLE[:2]):
        form = preferences_form(
            [programme_id],
            seeks=[("emotional", "advice")[n]],
            offers=[("advice", "emotional")[n]],
            **{PreferencesBlock.TOPICS: {PairingAction.FIELD: text(HOSTILE[:200])}},
        )
        saved = save_preferences(slack_requests, person, form)
        assert saved.status == 200 and saved.text == "", saved.text
    clock.advance(days=8)
    worker.run_once()
    [introduction] = introductions(slack)
    assert "Happy to talk about" in json.dumps(introduction["blocks"])
    assert_inert(introduction)


def test_what_kindred_holds_shows_a_typed_region_escaped(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    with session_factory.begin() as session:
        set_region(session=session, workspace_id=WORKSPACE, user_id=PERSON, region="<!channel> & co")
    slack_requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=PERSON)
    shown = json.dumps(slack.calls_to("views.open")[-1].args["view"])
    assert "<!channel>" not in shown and "&lt;!channel&gt; &amp; co" in shown


def test_an_anonymous_question_reaches_the_contact_escaped(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id), HOSTILE)
    [to_contact] = slack.successful_calls_to("chat.postMessage")
    assert_inert(to_contact.args)
