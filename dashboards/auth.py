"""Sign in with Slack (OpenID Connect), server-side sessions behind a signed cookie, sign-out, demo sign-in.

The cookie carries only a session token; the session lives in the database, so signing out ends it for
every copy of the cookie. What a leader may see is worked out again from the database on every request
(removing a manager takes effect at once), and Slack's admin flag is asked again every few minutes.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import flask
from markupsafe import escape
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth import OpenIDConnectAuthorizeUrlGenerator

from dashboards.context import BASE, DashboardContext, current_context
from slackapp.dashboard_sessions import (
    ROLE_RECHECK_AFTER,
    SESSION_LIFETIME,
    end_session,
    end_sessions_of,
    find_session,
    record_role,
    start_session,
)
from slackapp.installations.clients import WorkspaceNotInstalled
from slackapp.keys.encryption import KeyPurpose, purpose_keys
from slackapp.privacy.scope import Viewer, viewer_for

SESSION_KEY = "kindred_session_token"
STATE_KEY = "kindred_oidc_state"
STATE_LIFETIME_SECONDS = 600
OIDC_SCOPES = ("openid", "profile")


@dataclass(frozen=True)
class SignedIn:
    workspace_id: str
    user_id: str
    name: str
    workspace_admin: bool


def configure_sessions(server: flask.Flask, context: DashboardContext) -> None:
    """Signed, HttpOnly, SameSite=Lax session cookies that expire; Secure outside the local demo.

    The cookie is signed with the dashboard-sessions key derived from KINDRED_SECRET_KEY (older keys in
    the list still verify), so a cookie gives nothing to brute-force the keys of round secrets or tokens.
    """
    if context.settings.demo:
        server.secret_key = secrets.token_urlsafe(32)  # ephemeral: a demo restart signs everyone out
    else:
        keys = purpose_keys(context.settings.require_secret_key(), KeyPurpose.DASHBOARD_SESSIONS)
        server.secret_key = keys[0].hex()
        server.config["SECRET_KEY_FALLBACKS"] = [key.hex() for key in keys[1:]]
    server.config.update(
        SESSION_COOKIE_NAME="kindred_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not context.settings.demo,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )


def sign_in(person: SignedIn) -> None:
    """Start a server-side session and put only its token in the signed cookie."""
    context = current_context()
    flask.session.clear()
    flask.session.permanent = True
    with context.session_factory.begin() as session:
        flask.session[SESSION_KEY] = start_session(
            session=session,
            workspace_id=person.workspace_id,
            user_id=person.user_id,
            name=person.name,
            workspace_admin=person.workspace_admin,
            now=context.clock(),
        )


def signed_in() -> SignedIn | None:
    """Who holds this request's session, re-checking their admin role with Slack every few minutes.

    None when the cookie has no session, or its session was signed out, expired, or belongs to an account
    Slack says is gone. Worked out once per request.
    """
    if "kindred_signed_in" in flask.g:
        found: SignedIn | None = flask.g.kindred_signed_in
        return found
    flask.g.kindred_signed_in = found = _look_up_session()
    return found


def _look_up_session() -> SignedIn | None:
    token = flask.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    context = current_context()
    now = context.clock()
    with context.session_factory.begin() as session:
        person = find_session(session=session, token=token, now=now)
        if person is None:
            return None
        admin = person.workspace_admin
        if now - person.role_checked_at >= ROLE_RECHECK_AFTER:
            role = _slack_role(context, person.workspace_id, person.user_id)
            if role is None:  # Slack says the account is deactivated or gone
                end_sessions_of(session=session, workspace_id=person.workspace_id, user_id=person.user_id)
                return None
            admin = role
            record_role(session=session, token=token, workspace_admin=admin, now=now)
    return SignedIn(
        workspace_id=person.workspace_id, user_id=person.user_id, name=person.name, workspace_admin=admin
    )


def current_viewer() -> Viewer | None:
    """The signed-in person's scope, resolved on the server for this request."""
    person = signed_in()
    if person is None:
        return None
    context = current_context()
    with context.session_factory() as session:
        return viewer_for(
            session=session,
            workspace_id=person.workspace_id,
            user_id=person.user_id,
            workspace_admin=person.workspace_admin,
        )


def register_auth_routes(server: flask.Flask, context: DashboardContext) -> None:
    server.add_url_rule(f"{BASE}login", "dashboard_login", login)
    server.add_url_rule(f"{BASE}auth/callback", "dashboard_auth_callback", callback)
    server.add_url_rule(f"{BASE}logout", "dashboard_logout", logout, methods=["GET", "POST"])
    if context.settings.demo:
        server.add_url_rule(
            f"{BASE}demo-sign-in", "dashboard_demo_sign_in", demo_sign_in, methods=["GET", "POST"]
        )


def _redirect_uri() -> str:
    return urljoin(flask.request.host_url, f"{BASE.lstrip('/')}auth/callback")


def login() -> Any:
    """Send the person to Slack's OpenID Connect authorize page with a fresh state and nonce."""
    context = current_context()
    if context.settings.demo:
        return flask.redirect(f"{BASE}demo-sign-in")
    if not context.settings.slack_client_id:
        return _message_page(
            "Sign in is not set up",
            "Set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to let people sign in with Slack.",
            503,
        )
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    flask.session[STATE_KEY] = {"state": state, "nonce": nonce, "at": int(time.time())}
    generator = OpenIDConnectAuthorizeUrlGenerator(
        client_id=context.settings.slack_client_id,
        redirect_uri=_redirect_uri(),
        scopes=list(OIDC_SCOPES),
        authorization_url=f"{context.settings.slack_host_url}/openid/connect/authorize",
    )
    return flask.redirect(generator.generate(state=state, nonce=nonce))


def callback() -> Any:
    """Check the state, exchange the code, read who this is, and start a session."""
    context = current_context()
    expected = flask.session.pop(STATE_KEY, None)
    state = flask.request.args.get("state", "")
    code = flask.request.args.get("code", "")
    if (
        not isinstance(expected, dict)
        or not secrets.compare_digest(str(expected.get("state", "")), state)
        or int(expected.get("at", 0)) + STATE_LIFETIME_SECONDS < time.time()
        or not code
    ):
        return _message_page("Sign-in expired", "That sign-in link has expired. Please try again.", 400)
    settings = context.settings
    client = WebClient(base_url=settings.slack_api_url)
    try:
        token = client.openid_connect_token(
            client_id=settings.slack_client_id or "",
            client_secret=settings.slack_client_secret or "",
            code=code,
            redirect_uri=_redirect_uri(),
        )
        info = WebClient(
            base_url=settings.slack_api_url, token=str(token["access_token"])
        ).openid_connect_userInfo()
    except SlackApiError:
        return _message_page("Sign-in failed", "Slack did not confirm who you are. Please try again.", 400)
    user_id = str(info.get("https://slack.com/user_id") or "")
    workspace_id = str(info.get("https://slack.com/team_id") or "")
    if not user_id or not workspace_id:
        return _message_page("Sign-in failed", "Slack did not confirm who you are. Please try again.", 400)
    sign_in(
        SignedIn(
            workspace_id=workspace_id,
            user_id=user_id,
            name=str(info.get("name") or info.get("given_name") or user_id),
            workspace_admin=_is_workspace_admin(context, workspace_id, user_id),
        )
    )
    return flask.redirect(BASE)


def _is_workspace_admin(context: DashboardContext, workspace_id: str, user_id: str) -> bool:
    return bool(_slack_role(context, workspace_id, user_id))


def _slack_role(context: DashboardContext, workspace_id: str, user_id: str) -> bool | None:
    """Slack's word on admins and owners, asked with that workspace's bot token at sign-in and again
    every few minutes: True for an admin or owner, False otherwise (and whenever Slack cannot say, so a
    failure never grants the organisation-wide view), None for a deactivated or deleted account."""
    if context.slack_clients is None:
        return False
    try:
        user = context.slack_clients(workspace_id).users_info(user=user_id)
    except (SlackApiError, WorkspaceNotInstalled):
        return False
    data = user.get("user") or {}
    if data.get("deleted"):
        return None
    return bool(data.get("is_admin") or data.get("is_owner") or data.get("is_primary_owner"))


def logout() -> Any:
    """End the session on the server, then forget the cookie."""
    token = flask.session.get(SESSION_KEY)
    if isinstance(token, str) and token:
        with current_context().session_factory.begin() as session:
            end_session(session=session, token=token)
    flask.session.clear()
    flask.g.pop("kindred_signed_in", None)
    return _message_page(
        "Signed out", "You have signed out of the Kindred dashboard.", 200, sign_in_link=True
    )


# -- demo mode only -----------------------------------------------------------------------------------

DEMO_ROLES_KEY = "demo_roles"


def demo_sign_in() -> Any:
    """Pick a role in the demo organisation; this route exists only when Settings.demo is set."""
    context = current_context()
    if not context.settings.demo:  # registered only in demo mode; checked again all the same
        flask.abort(404)
    roles: list[dict[str, Any]] = flask.current_app.config.get(DEMO_ROLES_KEY, [])
    if flask.request.method == "POST":
        chosen = next((r for r in roles if r["user_id"] == flask.request.form.get("user_id")), None)
        if chosen is None:
            flask.abort(400)
        sign_in(
            SignedIn(
                workspace_id=str(chosen["workspace_id"]),
                user_id=str(chosen["user_id"]),
                name=str(chosen["name"]),
                workspace_admin=bool(chosen["workspace_admin"]),
            )
        )
        return flask.redirect(BASE)
    buttons = "".join(
        f'<li><form method="post"><input type="hidden" name="user_id" value="{escape(r["user_id"])}">'
        f'<button type="submit" id="role-{escape(r["user_id"])}">{escape(r["name"])}</button> '
        f"<span>{escape(r['description'])}</span></form></li>"
        for r in roles
    )
    body = (
        "<p>This is the demo organisation. Choose who to be; a real installation uses Sign in with Slack.</p>"
        f"<ul class='roles'>{buttons}</ul>"
    )
    return _page("Demo sign-in", body, 200)


# -- plain pages ----------------------------------------------------------------------------------------


def _message_page(title: str, text: str, status: int, *, sign_in_link: bool = False) -> flask.Response:
    link = f'<p><a href="{BASE}login">Sign in again</a></p>' if sign_in_link else ""
    return _page(title, f"<p>{escape(text)}</p>{link}", status)


def _page(title: str, body: str, status: int) -> flask.Response:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)} · Kindred</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5;"
        "color:#222}button{font-size:1rem;padding:.4rem .8rem;margin:.3rem 0}li{list-style:none}</style>"
        f"</head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return flask.Response(html, status=status, mimetype="text/html")
