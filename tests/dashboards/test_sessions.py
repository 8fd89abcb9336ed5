"""Dashboard sessions live on the server: sign-out ends every copy of the cookie, roles are re-checked."""

from __future__ import annotations

from collections.abc import Iterator

import dash._pages
import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from sqlalchemy import Engine, func, select

from slackapp.app import create_app
from slackapp.dashboard_sessions import DashboardSession
from slackapp.database import SessionFactory
from slackapp.keys.encryption import KeyPurpose, derive_key
from slackapp.settings import Settings
from slackapp.web import create_web_app
from tests.conftest import SECRET_KEY, Clock
from tests.dashboards.conftest import BASE_URL, MANAGER_A, Dashboard, dropdown_values
from tests.dashboards.test_sign_in import start_sign_in
from tests.factories import WORKSPACE
from tests.org_factories import OrgBuilder
from tests.slack_standin import SlackStandIn

OWNER = "U0OWNER"


@pytest.fixture
def timed_dashboard(
    dashboard_settings: Settings, session_factory: SessionFactory, engine: Engine, clock: Clock
) -> Iterator[Dashboard]:
    """The real web app with a clock the test moves, instead of waiting minutes."""
    dash._pages.PAGE_REGISTRY.clear()
    web = create_web_app(
        create_app(dashboard_settings, session_factory), engine, dashboard_settings, clock=clock
    )
    yield Dashboard(web.test_client())
    dash._pages.PAGE_REGISTRY.clear()


def sign_in_with_slack(dashboard: Dashboard, slack: SlackStandIn, user_id: str, code: str) -> str:
    """The whole Sign in with Slack flow; returns the session cookie's value as the browser holds it."""
    slack.add_openid_code(code, user_id, team_id=WORKSPACE)
    state = start_sign_in(dashboard, slack)["state"][0]
    assert dashboard.get(f"/dashboard/auth/callback?code={code}&state={state}").status_code == 302
    cookie = dashboard.client.get_cookie("kindred_session", domain="kindred.example.com")
    assert cookie is not None
    return cookie.value


def test_a_cookie_copied_before_sign_out_is_refused_after_it(
    dashboard: Dashboard, slack: SlackStandIn, org: OrgBuilder, session_factory: SessionFactory
) -> None:
    slack.add_user(MANAGER_A)
    copied = sign_in_with_slack(dashboard, slack, MANAGER_A, "code-copy")
    thief = dashboard.client.application.test_client()
    thief.set_cookie("kindred_session", copied, domain="kindred.example.com")
    assert thief.get("/dashboard/", base_url=BASE_URL).status_code == 200  # the copy works while signed in

    assert "signed out" in dashboard.get("/dashboard/logout").get_data(as_text=True)

    assert thief.get("/dashboard/", base_url=BASE_URL).status_code == 302
    refused = thief.post(
        "/dashboard/_dash-update-component",
        base_url=BASE_URL,
        json={"output": "kindred-content.children", "inputs": [], "state": [], "changedPropIds": []},
    )
    assert refused.status_code == 401
    assert thief.get("/dashboard/export/engagement.csv?unit=team:C0A", base_url=BASE_URL).status_code == 401
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DashboardSession)) == 0


def test_the_table_holds_no_usable_session_token(
    dashboard: Dashboard, slack: SlackStandIn, org: OrgBuilder, session_factory: SessionFactory
) -> None:
    slack.add_user(MANAGER_A)
    sign_in_with_slack(dashboard, slack, MANAGER_A, "code-dump")
    with dashboard.client.session_transaction(base_url=BASE_URL) as cookie_session:
        token = cookie_session["kindred_session_token"]
    with session_factory() as session:
        [row] = session.scalars(select(DashboardSession)).all()
    assert token not in row.token_hash and len(row.token_hash) == 64


def test_an_admin_whose_role_slack_removes_loses_the_organisation_view_within_five_minutes(
    timed_dashboard: Dashboard, slack: SlackStandIn, org: OrgBuilder, clock: Clock
) -> None:
    slack.add_user(OWNER, is_owner=True)
    sign_in_with_slack(timed_dashboard, slack, OWNER, "code-owner")
    assert dropdown_values(timed_dashboard.page("/dashboard/"))[0] == "org:"

    slack.add_user(OWNER, is_owner=False)  # the workspace takes the role away
    clock.advance(minutes=5, seconds=1)

    page = timed_dashboard.page("/dashboard/")
    assert "org:" not in (dropdown_values(page) if "kindred-unit" in str(page) else [])
    assert len(slack.calls_to("users.info")) == 2  # at sign-in, and once again after five minutes


def test_an_account_slack_deactivated_is_signed_out_at_the_next_check(
    timed_dashboard: Dashboard, slack: SlackStandIn, org: OrgBuilder, clock: Clock
) -> None:
    slack.add_user(MANAGER_A)
    sign_in_with_slack(timed_dashboard, slack, MANAGER_A, "code-gone")
    assert timed_dashboard.get("/dashboard/").status_code == 200
    slack.add_user(MANAGER_A, deleted=True)
    clock.advance(minutes=6)
    assert timed_dashboard.get("/dashboard/").status_code == 302


def test_a_dashboard_cookie_is_signed_with_its_own_derived_key_not_the_configured_one(
    dashboard: Dashboard, org: OrgBuilder
) -> None:
    """A cookie anyone can read must not let them brute-force KINDRED_SECRET_KEY itself offline."""
    dashboard.sign_in_as(MANAGER_A)
    assert dashboard.get("/dashboard/").status_code == 200
    cookie = dashboard.client.get_cookie("kindred_session", domain="kindred.example.com")
    assert cookie is not None
    app = dashboard.client.application
    interface = SecureCookieSessionInterface()

    def verifies_with(key: str) -> bool:
        app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = key, []
        serializer = interface.get_signing_serializer(app)
        assert serializer is not None
        try:
            serializer.loads(cookie.value)
        except BadSignature:
            return False
        return True

    assert not verifies_with(SECRET_KEY)
    assert verifies_with(derive_key(SECRET_KEY, KeyPurpose.DASHBOARD_SESSIONS).hex())
