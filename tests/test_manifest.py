"""The Slack app manifest an admin pastes: valid, and true to what the app does."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dashboards.auth import OIDC_SCOPES
from slackapp.settings import Settings
from tests.conftest import repo_root

MANIFEST = json.loads((repo_root() / "slackapp" / "manifest.json").read_text())

# Every bot scope, and the calls that need it. A scope with no call here must not be requested.
SCOPES_FOR_CALLS = {
    "chat:write": ["chat_postMessage", "chat_update", "chat_postEphemeral"],
    "commands": [],  # slash commands themselves
    "channels:read": ["conversations_members", "conversations_info"],
    "groups:read": ["conversations_members", "conversations_info"],
    "channels:write.invites": ["conversations_invite"],  # joining a resource group's channel
    "groups:write.invites": ["conversations_invite"],
    "im:write": ["conversations_open"],  # peer-support introductions
    "mpim:write": ["conversations_open"],
    "users:read": ["users_info", "users_list"],
}


def source_text() -> str:
    return "\n".join(path.read_text() for path in Path(repo_root(), "slackapp").rglob("*.py"))


def test_every_requested_scope_is_used_and_every_used_call_is_covered() -> None:
    requested = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    # Sign in with Slack: the user scopes are exactly those the dashboard asks for. `email` was listed
    # too, and never asked for: a workspace admin approved access to every leader's e-mail for nothing.
    assert MANIFEST["oauth_config"]["scopes"]["user"] == list(OIDC_SCOPES)
    assert requested == set(SCOPES_FOR_CALLS)
    code = source_text()
    called = set(re.findall(r"client\.(\w+)\(", code))
    for scope, calls in SCOPES_FOR_CALLS.items():
        assert all(call in called for call in calls), scope
    scope_free = {
        "views_open",
        "views_update",
        "views_publish",
        "views_push",
        "auth_test",
        "openid_connect_token",
    }
    covered = {call for calls in SCOPES_FOR_CALLS.values() for call in calls} | scope_free
    assert called <= covered, f"calls without a scope in the manifest: {called - covered}"


def test_every_slash_command_the_app_answers_is_in_the_manifest() -> None:
    in_manifest = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    in_code = set(re.findall(r'app\.command\("(/\w+)"\)', source_text()))
    assert in_manifest == in_code


def test_events_and_interactivity_point_at_the_one_endpoint() -> None:
    urls = {c["url"] for c in MANIFEST["features"]["slash_commands"]}
    urls.add(MANIFEST["settings"]["event_subscriptions"]["request_url"])
    urls.add(MANIFEST["settings"]["interactivity"]["request_url"])
    # The "Options Load URL": where Slack asks for an external_select's options (block_suggestion).
    # Without it Slack never asks, and the app's options listeners would serve nobody.
    options_url = MANIFEST["settings"]["interactivity"].get("message_menu_options_url")
    assert (options_url is not None) == bool(re.findall(r"app\.options\(", source_text()))
    if options_url is not None:
        urls.add(options_url)
    assert {url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1] for url in urls} == {"slack/events"}
    in_code = set(re.findall(r'app\.event\("(\w+)"\)', source_text()))
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == in_code
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_settings_module_is_the_only_reader_of_the_environment() -> None:
    for path in Path(repo_root(), "slackapp").rglob("*.py"):
        if path.name != "settings.py":
            assert "os.environ" not in path.read_text(), path
    assert Settings.from_env({}).port == 3000


def test_kindred_cannot_read_any_conversation() -> None:
    """No *:history scope: not people's DMs with Kindred, not peer-support group DMs, not private support
    channels, not team channels (docs/anonymity.md rule 8). Kindred's own record keeps a post from repeating.
    """
    requested = MANIFEST["oauth_config"]["scopes"]["bot"] + MANIFEST["oauth_config"]["scopes"]["user"]
    assert not {"im:history", "mpim:history", "groups:history"} & set(requested)
    assert [scope for scope in requested if scope.endswith(":history")] == []
    code = source_text()
    assert "conversations_history" not in code and "conversations_replies" not in code


def test_the_readme_gives_every_bot_scope_its_reason() -> None:
    readme = (repo_root() / "README.md").read_text()
    for scope in MANIFEST["oauth_config"]["scopes"]["bot"]:
        assert re.search(rf"^ *\| `{re.escape(scope)}` \| \S", readme, re.MULTILINE), scope
