"""The App Home points each person at what is theirs: the open check-ins they can still answer, and for
managers and HR the dashboard (at KINDRED_PUBLIC_URL)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from slackapp.checkins.ids import CheckinAction
from slackapp.checkins.service import close_round
from slackapp.database import SessionFactory, utcnow
from slackapp.org.service import name_team, set_team_managers
from slackapp.settings import Settings, SettingsError
from tests.factories import HR_ADMIN, WORKSPACE, answer, invite, make_open_round
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

PUBLIC_URL = "https://kindred.example.org"
DASHBOARD = f"{PUBLIC_URL}/dashboard/"
PERSON, COLLEAGUE, MANAGER = "U0PERSON", "U0COLLEAGUE", "U0MANAGER"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The conftest's settings, as a company that set KINDRED_PUBLIC_URL runs them."""
    return replace(settings, public_url=PUBLIC_URL)


def open_home(slack_requests: SlackRequests, slack: SlackStandIn, user_id: str) -> dict[str, Any]:
    reply = slack_requests.event(
        {"type": "app_home_opened", "user": user_id, "channel": "D0HOME", "tab": "home"}
    )
    assert reply.status == 200
    assert user_id in slack.home_views, "no Home published"
    home = slack.home_views[user_id]
    assert len(home["blocks"]) <= 100
    return home


def manage(session: Session, manager: str, channel_id: str) -> None:
    name_team(
        session=session,
        workspace_id=WORKSPACE,
        channel_id=channel_id,
        name="Team",
        department_id=None,
        now=utcnow(),
    )
    set_team_managers(
        session=session,
        workspace_id=WORKSPACE,
        channel_id=channel_id,
        user_ids=[manager],
        assigned_by=HR_ADMIN,
        now=utcnow(),
    )


def checkin_buttons(home: dict[str, Any]) -> list[str]:
    """The round ids of the Home's "Check in privately" buttons, in order."""
    return [
        block["accessory"]["value"]
        for block in home["blocks"]
        if (block.get("accessory") or {}).get("action_id") == CheckinAction.OPEN_MODAL
    ]


def test_a_person_sees_the_open_check_ins_of_their_channels_that_they_have_not_answered(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_user(PERSON)
    for channel in ("C0ANSWERED", "C0WAITING", "C0CLOSED"):
        slack.add_channel(channel, members=[PERSON, COLLEAGUE])
    slack.add_channel("C0ELSEWHERE", members=[COLLEAGUE])
    slack.add_channel("C0JOINEDLATE", members=[PERSON, COLLEAGUE])  # PERSON joined after it opened
    answered = make_open_round(session_factory, "C0ANSWERED")
    waiting = make_open_round(session_factory, "C0WAITING")
    closed = make_open_round(session_factory, "C0CLOSED")
    elsewhere = make_open_round(session_factory, "C0ELSEWHERE")
    joined_late = make_open_round(session_factory, "C0JOINEDLATE")
    for round_ in (answered, waiting, closed):
        invite(session_factory, round_.id, PERSON, COLLEAGUE)
    invite(session_factory, elsewhere.id, COLLEAGUE)
    invite(session_factory, joined_late.id, COLLEAGUE)
    answer(session_factory, answered.id, PERSON)
    with session_factory.begin() as session:
        close_round(session=session, round_id=closed.id, now=utcnow())

    home = open_home(slack_requests, slack, PERSON)
    assert checkin_buttons(home) == [str(waiting.id)]  # not the round of a channel joined after it opened
    with session_factory.begin() as session:
        close_round(session=session, round_id=joined_late.id, now=utcnow())
    assert "Your check-ins" in json.dumps(home) and "<#C0WAITING>" in json.dumps(home)

    # Once they answer, it leaves their Home; their colleague, who answered nothing, sees all three.
    answer(session_factory, waiting.id, PERSON)
    assert checkin_buttons(open_home(slack_requests, slack, PERSON)) == []
    assert "Your check-ins" not in json.dumps(slack.home_views[PERSON])
    slack.add_user(COLLEAGUE)
    colleague = open_home(slack_requests, slack, COLLEAGUE)
    assert set(checkin_buttons(colleague)) == {str(answered.id), str(waiting.id), str(elsewhere.id)}
    # Found from the rounds' invitees: opening a Home asks Slack nothing about anyone's channels.
    assert slack.calls_to("users.conversations") == []


def test_the_home_shows_three_check_ins_and_says_how_many_more(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_user(PERSON)
    start = utcnow() - timedelta(minutes=10)
    for n in range(5):
        slack.add_channel(f"C0TEAM{n}", members=[PERSON])
        round_ = make_open_round(session_factory, f"C0TEAM{n}", now=start + timedelta(seconds=n))
        invite(session_factory, round_.id, PERSON)
    home = open_home(slack_requests, slack, PERSON)
    assert len(checkin_buttons(home)) == 3
    assert "And 2 more: type `/checkin` to see them all." in json.dumps(home)


def test_an_answer_leaves_no_trace_in_anyone_elses_home(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_user(HR_ADMIN, is_admin=True)
    slack.add_user(MANAGER)
    slack.add_channel("C0TEAM", members=[PERSON, HR_ADMIN, MANAGER])
    round_ = make_open_round(session_factory, "C0TEAM")
    invite(session_factory, round_.id, PERSON, HR_ADMIN, MANAGER)
    with session_factory.begin() as session:
        manage(session, MANAGER, "C0TEAM")
    before = {who: json.dumps(open_home(slack_requests, slack, who)["blocks"]) for who in (HR_ADMIN, MANAGER)}
    answer(session_factory, round_.id, PERSON)
    after = {who: json.dumps(open_home(slack_requests, slack, who)["blocks"]) for who in (HR_ADMIN, MANAGER)}
    assert after == before
    assert str(round_.id) in before[MANAGER], "the manager's own check-in is on their Home, before and after"


def test_a_manager_gets_the_dashboard_link_and_an_employee_does_not(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_user(MANAGER)
    slack.add_user(PERSON)
    make_open_round(session_factory, "C0TEAM")
    with session_factory.begin() as session:
        manage(session, MANAGER, "C0TEAM")
    assert f"<{DASHBOARD}|Open the dashboard>" in json.dumps(open_home(slack_requests, slack, MANAGER))
    assert DASHBOARD not in json.dumps(open_home(slack_requests, slack, PERSON))


def test_hr_finds_the_dashboard_link_in_the_admin_section(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user(HR_ADMIN, is_owner=True)
    home = json.dumps(open_home(slack_requests, slack, HR_ADMIN))
    assert f"Dashboard: <{DASHBOARD}|open it here>" in home


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://kindred.example.org", "https://kindred.example.org/dashboard/"),
        ("https://example.org/kindred/", "https://example.org/kindred/dashboard/"),
        ("", None),
    ],
)
def test_the_dashboard_address_comes_from_kindred_public_url(given: str, expected: str | None) -> None:
    settings = Settings.from_env({"KINDRED_PUBLIC_URL": given})
    assert settings.dashboard_url == expected


@pytest.mark.parametrize(
    "given", ["kindred.example.org", "ftp://example.org", "https://example.org/?a=1", "https://x.org/|y"]
)
def test_a_public_url_that_is_not_an_address_stops_kindred_naming_the_variable(given: str) -> None:
    with pytest.raises(SettingsError, match="KINDRED_PUBLIC_URL"):
        Settings.from_env({"KINDRED_PUBLIC_URL": given})
