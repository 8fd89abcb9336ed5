"""Sign in with Slack (OpenID Connect against the stand-in), the session cookie, sign-out, expiry."""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import dash._pages
import pytest
from sqlalchemy import Engine

from slackapp.app import create_app
from slackapp.database import SessionFactory
from slackapp.settings import Settings
from slackapp.web import create_kindred_web, create_web_app
from tests.conftest import SECRET_KEY
from tests.dashboards.conftest import (
    BASE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    MANAGER_A,
    Dashboard,
    dropdown_values,
)
from tests.factories import WORKSPACE
from tests.org_factories import OrgBuilder
from tests.slack_standin import SlackStandIn


def start_sign_in(dashboard: Dashboard, slack: SlackStandIn) -> dict[str, list[str]]:
    reply = dashboard.get("/dashboard/login")
    assert reply.status_code == 302
    target = urlsplit(reply.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" == slack.url.split("/api")[0].rstrip("/")
    assert target.path == "/openid/connect/authorize"
    return parse_qs(target.query)


def test_sign_in_with_slack_sends_people_to_slacks_openid_page(
    dashboard: Dashboard, slack: SlackStandIn
) -> None:
    query = start_sign_in(dashboard, slack)
    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert set(query["scope"][0].split(",")) | set(query["scope"][0].split(" ")) >= {"openid", "profile"}
    assert query["redirect_uri"] == [f"{BASE_URL}/dashboard/auth/callback"]
    assert query["state"][0] and query["nonce"][0]


def test_a_manager_signs_in_with_slack_and_sees_their_team(
    dashboard: Dashboard, slack: SlackStandIn, org: OrgBuilder
) -> None:
    slack.add_user(MANAGER_A)
    slack.add_openid_code("code-123", MANAGER_A, name="Mina Manager", team_id=WORKSPACE)
    state = start_sign_in(dashboard, slack)["state"][0]
    reply = dashboard.get(f"/dashboard/auth/callback?code=code-123&state={state}")
    assert reply.status_code == 302 and reply.headers["Location"] == "/dashboard/"
    [exchange] = slack.calls_to("openid.connect.token")
    assert exchange.args["code"] == "code-123"
    assert (
        base64.b64decode((exchange.token or "").removeprefix("Basic ")).decode()
        == f"{CLIENT_ID}:{CLIENT_SECRET}"
    )
    assert slack.successful_calls_to("openid.connect.userInfo")
    assert dropdown_values(dashboard.page("/dashboard/overview"))[0] == "team:C0A"


def test_a_forged_or_replayed_state_is_refused(dashboard: Dashboard, slack: SlackStandIn) -> None:
    slack.add_openid_code("code-123", MANAGER_A)
    start_sign_in(dashboard, slack)
    reply = dashboard.get("/dashboard/auth/callback?code=code-123&state=forged")
    assert reply.status_code == 400
    assert slack.calls_to("openid.connect.token") == []
    assert dashboard.get("/dashboard/").status_code == 302  # still signed out


def test_a_code_slack_does_not_confirm_signs_nobody_in(dashboard: Dashboard, slack: SlackStandIn) -> None:
    state = start_sign_in(dashboard, slack)["state"][0]
    reply = dashboard.get(f"/dashboard/auth/callback?code=made-up&state={state}")
    assert reply.status_code == 400
    assert dashboard.get("/dashboard/").status_code == 302


def test_the_session_cookie_is_signed_http_only_same_site_and_expires(
    dashboard: Dashboard, slack: SlackStandIn, org: OrgBuilder
) -> None:
    slack.add_user(MANAGER_A)
    slack.add_openid_code("code-1", MANAGER_A)
    state = start_sign_in(dashboard, slack)["state"][0]
    reply = dashboard.get(f"/dashboard/auth/callback?code=code-1&state={state}")
    cookie = next(h for h in reply.headers.getlist("Set-Cookie") if h.startswith("kindred_session="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "expires"} <= flags
    assert "SameSite=Lax" in cookie
    # Tampering with the signed cookie signs you out.
    value = cookie.split(";")[0].split("=", 1)[1]
    dashboard.client.set_cookie("kindred_session", value[:-2] + "xx", domain="kindred.example.com")
    assert dashboard.get("/dashboard/").status_code == 302


def test_an_expired_session_must_sign_in_again(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A, expires_in=-1)
    assert dashboard.get("/dashboard/").status_code == 302


def test_signing_out_ends_the_session(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A)
    assert dashboard.get("/dashboard/").status_code == 200
    assert "signed out" in dashboard.get("/dashboard/logout").get_data(as_text=True)
    assert dashboard.get("/dashboard/").status_code == 302


def test_a_workspace_admin_signing_in_sees_the_whole_organisation(
    dashboard: Dashboard, slack: SlackStandIn, org: OrgBuilder
) -> None:
    slack.add_user("U0OWNER", is_owner=True)
    slack.add_openid_code("code-9", "U0OWNER")
    state = start_sign_in(dashboard, slack)["state"][0]
    dashboard.get(f"/dashboard/auth/callback?code=code-9&state={state}")
    assert dropdown_values(dashboard.page("/dashboard/overview"))[0] == "org:"


def test_there_is_no_demo_sign_in_outside_the_demo(dashboard: Dashboard) -> None:
    assert dashboard.get("/dashboard/demo-sign-in").status_code == 302  # to the real sign-in
    assert dashboard.client.post("/dashboard/demo-sign-in", base_url=BASE_URL).status_code in (
        302,
        401,
        404,
        405,
    )


def test_kindred_serve_cannot_turn_the_demo_on(settings: Settings) -> None:
    environ = {
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "KINDRED_SECRET_KEY": SECRET_KEY,
        "KINDRED_DEMO": "1",
        "DEMO": "true",
    }
    real = Settings.from_env(environ)
    assert real.demo is False
    dash._pages.PAGE_REGISTRY.clear()
    web = create_kindred_web(real)
    client = web.test_client()
    assert client.get("/dashboard/demo-sign-in", base_url=BASE_URL).status_code == 302
    assert "dashboard_demo_sign_in" not in web.view_functions


def test_the_dashboard_refuses_to_start_without_a_secret_key(
    settings: Settings, session_factory: SessionFactory, engine: Engine
) -> None:
    unsigned = replace(settings, secret_key=None)
    dash._pages.PAGE_REGISTRY.clear()
    with pytest.raises(Exception, match="KINDRED_SECRET_KEY"):
        create_web_app(create_app(unsigned, session_factory), engine, unsigned)


def test_sign_in_state_expires(dashboard: Dashboard, slack: SlackStandIn) -> None:
    slack.add_openid_code("code-5", MANAGER_A)
    state = start_sign_in(dashboard, slack)["state"][0]
    with dashboard.client.session_transaction(base_url=BASE_URL) as session:
        session["kindred_oidc_state"] = {**session["kindred_oidc_state"], "at": int(time.time()) - 3600}
    assert dashboard.get(f"/dashboard/auth/callback?code=code-5&state={state}").status_code == 400
