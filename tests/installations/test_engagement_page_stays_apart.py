"""Two workspaces on one Kindred, the dashboard's engagement page (peer-support rounds, resource-group
members and joins, for HR): each workspace's HR, signed in with Slack, sees their own workspace's figures
on the page, in its figure and in its CSV export, and nothing of the other's; an admin role in one
workspace opens nothing in the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from slackapp.admin.service import add_kindred_admin
from slackapp.database import SessionFactory, utcnow
from slackapp.pairing.ids import PairingCallback
from slackapp.pairing.models import Programme
from slackapp.resources.ids import ResourceAction, ResourceCallback
from slackapp.resources.models import ResourceEntry
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.dashboards.conftest import Dashboard, find, table_rows, text_of
from tests.installations.conftest import ALPHA, BETA, token_of
from tests.installations.test_pairing_stays_apart import programme_form_in
from tests.pairing.test_pairing_story import preferences_form
from tests.resource_factories import entry_form
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, SlackStandIn

GRID = "W0GRIDPERSON"  # one person in both workspaces (Enterprise Grid), a Kindred admin in Alpha only


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str
    hr: str
    people: tuple[str, ...]

    @property
    def peers_channel(self) -> str:
        return f"C0{self.name.upper()}PEERS"

    @property
    def group_channel(self) -> str:
        return f"C0{self.name.upper()}PARENTS"


# Different sizes, so each workspace's numbers are its own: Alpha 6 and Beta 8 in peer support (with
# GRID), 5 and 7 joins, 6 and 8 group members (with GRID, the groups' contact).
A = Workspace(ALPHA, "Alpha", "U0ALPHAHR", tuple(f"U0ALPHA{n:02d}" for n in range(1, 6)))
B = Workspace(BETA, "Beta", "U0BETAHR", tuple(f"U0BETA{n:02d}" for n in range(1, 8)))


@pytest.fixture
def with_dashboard() -> bool:
    return True


@pytest.fixture
def engagement(
    two_workspaces: None,
    requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    make_oauth_worker: Callable[[], Worker],
    clock: Clock,
) -> None:
    """In each workspace, through Slack: HR starts a programme and adds a group; everyone opts in and
    joins the group. Then the worker runs a pairing round and counts the groups' members."""
    slack.add_user(GRID)
    for org in (A, B):
        for person in (org.hr, *org.people):
            slack.add_user(person)
        slack.add_channel(org.peers_channel, members=[*org.people, GRID, BOT_USER_ID])
        slack.add_channel(org.group_channel, members=[GRID, BOT_USER_ID])
        with session_factory.begin() as session:
            add_kindred_admin(
                session=session, workspace_id=org.id, user_id=org.hr, added_by="U0INSTALLER", now=utcnow()
            )
        form = programme_form_in(org.peers_channel)
        group = entry_form(
            kind="employee_group", name=f"{org.name} Parents", channel_id=org.group_channel, contact_id=GRID
        )
        for callback, values in (
            (PairingCallback.PROGRAMME_FORM, form),
            (ResourceCallback.ENTRY_FORM, group),
        ):
            saved = requests.view_submission(callback, values, user_id=org.hr, team_id=org.id)
            assert saved.status == 200 and saved.text == "", saved.text
    with session_factory.begin() as session:
        add_kindred_admin(session=session, workspace_id=ALPHA, user_id=GRID, added_by=A.hr, now=utcnow())
    for org in (A, B):
        programme_id, entry_id = ids_in(session_factory, org)
        for person in (*org.people, GRID):
            opted = requests.view_submission(
                PairingCallback.PREFERENCES,
                preferences_form([programme_id]),
                "{}",
                user_id=person,
                team_id=org.id,
            )
            assert opted.text == "", opted.text
        for person in org.people:
            requests.block_action(ResourceAction.JOIN, entry_id, user_id=person, team_id=org.id)
    clock.advance(days=8)
    make_oauth_worker().run_once()


def ids_in(session_factory: SessionFactory, org: Workspace) -> tuple[str, str]:
    """The workspace's programme's and group's ids (the values of their buttons in Slack)."""
    with session_factory() as session:
        programme_id = session.scalars(select(Programme.id).where(Programme.workspace_id == org.id)).one()
        entry_id = session.scalars(select(ResourceEntry.id).where(ResourceEntry.workspace_id == org.id)).one()
    return str(programme_id), str(entry_id)


def signed_in(web: FlaskClient, slack: SlackStandIn, user_id: str, workspace: str) -> Dashboard:
    """A browser of its own that signed in with Slack as `user_id` of `workspace`."""
    browser = Dashboard(web.application.test_client())
    code = f"code-{user_id}-{workspace}"
    slack.add_openid_code(code, user_id, team_id=workspace)
    login = browser.get("/dashboard/login")
    state = parse_qs(urlsplit(login.headers["Location"]).query)["state"][0]
    done = browser.get(f"/dashboard/auth/callback?code={code}&state={state}")
    assert done.status_code == 302 and done.headers["Location"] == "/dashboard/"
    return browser


@pytest.mark.usefixtures("engagement")
def test_hr_in_each_workspace_sees_only_their_own_peer_support_and_groups_on_the_engagement_page(
    oauth_web: FlaskClient, slack: SlackStandIn
) -> None:
    for org, other in ((A, B), (B, A)):
        hr = signed_in(oauth_web, slack, org.hr, org.id)
        page = hr.page("/dashboard/engagement")
        rows = {(row[0], row[1]): row[3] for row in table_rows(page)[1:]}
        everyone = len(org.people) + 1  # with GRID, in peer support and the group's contact
        # The group is listed; its members and joins of this month are shown once the month is over.
        assert rows == {
            # one programme: its rounds, counted in steps of the minimum (6 and 8 people: "at least 5")
            ("Peer support: people paired", "Round 1"): f"at least {everyone - everyone % 5}",
            ("Resource group: members", f"{org.name} Parents"): "",
        }
        assert find(page, "kindred-figure") is not None
        for shown in (
            text_of(page),
            hr.get("/dashboard/export/engagement.csv?unit=org:").get_data(as_text=True),
        ):
            assert org.name in shown and other.name not in shown and other.peers_channel not in shown


@pytest.mark.usefixtures("engagement")
def test_an_admin_in_one_workspace_signing_in_from_another_gets_no_engagement_page(
    oauth_web: FlaskClient, slack: SlackStandIn
) -> None:
    there = signed_in(oauth_web, slack, GRID, BETA)
    page = there.page("/dashboard/engagement", "?unit=org:")
    assert find(page, "nothing-here") is not None and "Parents" not in text_of(page)
    assert there.get("/dashboard/export/engagement.csv?unit=org:").status_code == 403
    # The same person, signed in from the workspace where they are an admin, sees that workspace's page.
    here = signed_in(oauth_web, slack, GRID, ALPHA)
    shown = text_of(here.page("/dashboard/engagement"))
    assert "Alpha Parents" in shown and "Beta" not in shown


@pytest.mark.usefixtures("engagement")
def test_a_workspace_owner_is_hr_on_the_dashboard_by_their_own_workspaces_word(
    oauth_web: FlaskClient, slack: SlackStandIn
) -> None:
    """Slack is asked who is an admin with the installation's own bot token (there is no single one)."""
    slack.add_user("U0ALPHAOWNER", is_owner=True)
    owner = signed_in(oauth_web, slack, "U0ALPHAOWNER", ALPHA)
    asked = [call.token for call in slack.calls_to("users.info") if call.args.get("user") == "U0ALPHAOWNER"]
    assert asked == [token_of(ALPHA)]
    shown = text_of(owner.page("/dashboard/engagement"))
    assert "Alpha Parents" in shown and "Beta" not in shown
