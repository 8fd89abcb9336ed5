"""One person cannot use up the workspace's Slack limits: past 30 commands and clicks a minute they are
told, once, to slow down, and nothing else is done; the count is shared by every web process."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from slackapp.app import create_app
from slackapp.data_rights.ids import DataRightsAction
from slackapp.database import SessionFactory, utcnow
from slackapp.fair_use.models import PersonPace
from slackapp.fair_use.service import REQUESTS_PER_WINDOW, WINDOW, take_turn
from slackapp.fair_use.views import SLOW_DOWN
from slackapp.settings import Settings
from slackapp.web import create_web_app
from tests.conftest import SIGNING_SECRET, SettlingExecutor
from tests.slack_requests import SlackRequests
from tests.slack_standin import RESPONSE_URL, SlackStandIn

FAST = "U0FASTCLICKS"
CALM = "U0CALM"


def click(requests: SlackRequests, user_id: str = FAST) -> None:
    reply = requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=user_id)
    assert reply.status == 200 and reply.text == ""


def test_past_the_limit_a_click_is_told_once_to_slow_down_and_does_nothing_else(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    for user in (FAST, CALM):
        slack.add_user(user)
    for _ in range(REQUESTS_PER_WINDOW):
        click(slack_requests)
    assert len(slack.calls_to("views.open")) == REQUESTS_PER_WINDOW
    assert slack.calls_to(RESPONSE_URL) == []

    for _ in range(3):
        click(slack_requests)

    assert len(slack.calls_to("views.open")) == REQUESTS_PER_WINDOW  # nothing else was done
    [notice] = slack.calls_to(RESPONSE_URL)  # told once, not once per click
    assert notice.args["text"] == SLOW_DOWN and notice.args["response_type"] == "ephemeral"
    click(slack_requests, CALM)  # someone else is not slowed down
    assert len(slack.calls_to("views.open")) == REQUESTS_PER_WINDOW + 1
    with session_factory() as session:
        keys = list(session.scalars(select(PersonPace.person_key)))
    assert len(keys) == 2 and not any(FAST in key or CALM in key for key in keys)  # nobody named


def test_a_slash_command_past_the_limit_gets_the_slow_down_answer_and_calls_nothing(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    for _ in range(REQUESTS_PER_WINDOW):
        assert slack_requests.command("/resources", user_id=FAST).status == 200
    calls = len(slack.calls)

    first, second = (slack_requests.command("/resources", user_id=FAST) for _ in range(2))

    assert (first.status, first.text) == (200, SLOW_DOWN)
    assert (second.status, second.text) == (200, "")
    assert len(slack.calls) == calls


def test_the_limit_is_shared_by_every_web_process(
    settings: Settings,
    session_factory: SessionFactory,
    engine: Engine,
    slack: SlackStandIn,
    listener_threads: SettlingExecutor,
) -> None:
    """Two web apps on one database (as two gunicorn processes would be), clicked in turn."""
    webs: list[FlaskClient] = [
        create_web_app(
            create_app(settings, session_factory, listener_executor=listener_threads), engine
        ).test_client()
        for _ in range(2)
    ]
    senders = [
        SlackRequests.for_flask(web, SIGNING_SECRET, response_url_base=slack.hooks_url) for web in webs
    ]
    slack.add_user(FAST)
    for n in range(REQUESTS_PER_WINDOW + 2):
        click(senders[n % 2])
        listener_threads.settle()
    assert len(slack.calls_to("views.open")) == REQUESTS_PER_WINDOW
    assert len(slack.calls_to(RESPONSE_URL)) == 1


def test_a_new_minute_starts_a_new_count_and_old_counts_are_forgotten(
    session_factory: SessionFactory,
) -> None:
    now = utcnow()
    with session_factory.begin() as session:
        turns = [take_turn(session=session, key="a" * 64, now=now) for _ in range(REQUESTS_PER_WINDOW + 1)]
        take_turn(session=session, key="b" * 64, now=now)
    assert [t.allowed for t in turns] == [True] * REQUESTS_PER_WINDOW + [False]
    assert turns[-1].first_refusal

    later = now + WINDOW + timedelta(seconds=1)
    with session_factory.begin() as session:
        assert take_turn(session=session, key="a" * 64, now=later).allowed
    with session_factory.begin() as session:
        take_turn(session=session, key="c" * 64, now=later + timedelta(minutes=15))
        assert set(session.scalars(select(PersonPace.person_key))) == {"c" * 64}
