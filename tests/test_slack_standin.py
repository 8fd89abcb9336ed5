"""Tests of the test helpers: the Web API stand-in (driven by a real WebClient) and the request signer."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import make_server

from tests.slack_requests import (
    SlackRequests,
    checkboxes,
    radio,
    static_select,
    text,
    timepicker,
    view_payload,
)
from tests.slack_standin import BOT_USER_ID, RESPONSE_URL, TEAM_ID, SlackStandIn

SIGNING_SECRET = "test-signing-secret"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.url)


# --- Recording and validation ---------------------------------------------------------------------------


def test_a_valid_call_is_recorded_with_decoded_arguments(slack: SlackStandIn, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "How was your week?"}}]
    metadata = {"event_type": "kindred_round", "event_payload": {"round": "r1"}}

    response = client.chat_postMessage(channel="C1", text="Check-in", blocks=blocks, metadata=metadata)

    (call,) = slack.calls_to("chat.postMessage")
    assert call.ok and call.token == "xoxb-test"
    assert call.args == {"channel": "C1", "text": "Check-in", "blocks": blocks, "metadata": metadata}
    assert response["message"]["blocks"] == blocks
    assert response["message"]["metadata"] == metadata
    assert slack.violations == []


def test_form_encoded_json_strings_are_decoded(slack: SlackStandIn, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "hi", "blocks": '[{"type": "divider"}]'},
    )

    assert slack.calls_to("chat.postMessage")[0].args["blocks"] == [{"type": "divider"}]


def test_message_timestamps_are_now_and_increase(client: WebClient) -> None:
    before = time.time()
    stamps = [client.chat_postMessage(channel="C1", text=str(n))["ts"] for n in range(3)]

    assert before - 1 < float(stamps[0]) < time.time() + 1
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 3


def test_an_unknown_argument_is_a_violation(slack: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.api_call("chat.postMessage", json={"channel": "C1", "text": "hi", "colour": "red"})

    assert failure.value.response["error"] == "invalid_arguments"
    assert slack.violations == ["chat.postMessage: unknown argument `colour`"]
    assert slack.calls_to("chat.postMessage")[0].violations == ["unknown argument `colour`"]
    with pytest.raises(AssertionError, match="colour"):
        slack.assert_no_violations()


def test_a_missing_required_argument_is_a_violation(slack: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.api_call("users.info", params={})

    assert slack.violations == ["users.info: missing required argument `user`"]


def test_an_argument_group_is_enforced(slack: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=None, view={"type": "modal", "blocks": []})

    assert slack.violations == ["views.open: needs one of `trigger_id`, `interactivity_pointer`"]


def test_an_unknown_method_is_a_violation(slack: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.api_call("chat.shout", json={"channel": "C1"})

    assert failure.value.response["error"] == "unknown_method"
    assert slack.violations == ["chat.shout: no such method in the Slack API reference"]


def test_token_and_team_id_are_always_allowed(slack: SlackStandIn) -> None:
    # Bolt's per-request client adds team_id to every call.
    WebClient(token="xoxb-test", base_url=slack.url, team_id=TEAM_ID).auth_test()

    assert slack.calls_to("auth.test")[0].ok
    assert slack.violations == []


def test_other_documented_methods_answer_ok(slack: SlackStandIn, client: WebClient) -> None:
    assert client.reactions_add(channel="C1", timestamp="1.2", name="wave")["ok"]
    assert slack.successful_calls_to("reactions.add")


def test_reset_forgets_everything_but_the_initial_set_up() -> None:
    with SlackStandIn(users={"U1": {"real_name": "Ada"}}) as slack:
        client = WebClient(token="xoxb-test", base_url=slack.url)
        slack.add_user("U2")
        first_ts = client.chat_postMessage(channel="C1", text="hi")["ts"]
        slack.fail_next("auth.test", error="invalid_auth")

        slack.reset()

        assert slack.calls == [] and slack.messages == {} and "U2" not in slack.users
        assert client.users_info(user="U1")["user"]["real_name"] == "Ada"
        assert client.auth_test()["ok"]
        assert float(client.chat_postMessage(channel="C1", text="again")["ts"]) > float(first_ts)


# --- Answers -------------------------------------------------------------------------------------------


def test_auth_test_names_the_bot(client: WebClient) -> None:
    response = client.auth_test()

    assert response["team_id"] == TEAM_ID
    assert (response["user_id"], response["bot_id"]) == (BOT_USER_ID, "B0KINDRED")


def test_conversations_members_is_paginated(slack: SlackStandIn, client: WebClient) -> None:
    members = [f"U{n:04d}" for n in range(250)]
    slack.add_channel("C0BIG", members=members)

    # Iterating a SlackResponse follows next_cursor (and reuses the same object for every page).
    pages = [list(page["members"]) for page in client.conversations_members(channel="C0BIG", limit=100)]

    assert [len(page) for page in pages] == [100, 100, 50]
    assert [m for page in pages for m in page] == members
    assert [call.args.get("cursor") is None for call in slack.calls_to("conversations.members")] == [
        True,
        False,
        False,
    ]


def test_conversations_members_of_an_unknown_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.conversations_members(channel="C0NOPE")

    assert failure.value.response["error"] == "channel_not_found"


def test_users_info(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_user("U1", real_name="Ada Lovelace", is_admin=True, tz="Asia/Tokyo")

    user = client.users_info(user="U1")["user"]

    assert user["id"] == "U1" and user["is_admin"] and not user["is_bot"] and not user["deleted"]
    assert (user["tz"], user["tz_offset"]) == ("Asia/Tokyo", 9 * 3600)
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U0NOBODY")


def test_users_list_pages_through_everyone_and_may_answer_short_pages(
    slack: SlackStandIn, client: WebClient
) -> None:
    people = [f"U{n:04d}" for n in range(25)]
    for person in people:
        slack.add_user(person)
    slack.add_user("U0GONE", deleted=True)
    slack.users_page_cap = 7  # fewer than asked for, as Slack may answer

    pages = [[u["id"] for u in page["members"]] for page in client.users_list(limit=10)]

    assert [len(page) for page in pages] == [7, 7, 7, 6]
    listed = [u for page in pages for u in page]
    assert sorted(listed) == sorted([BOT_USER_ID, *people, "U0GONE"])
    gone = client.users_list(limit=1000, cursor=slack.calls_to("users.list")[-1].args["cursor"])
    assert [(u["id"], u["deleted"]) for u in gone["members"]][-1] == ("U0GONE", True)
    assert gone["response_metadata"]["next_cursor"] == ""


def test_history_includes_metadata_only_when_asked(client: WebClient) -> None:
    metadata = {"event_type": "kindred_round", "event_payload": {"round": "r1"}}
    first = client.chat_postMessage(channel="C1", text="one", metadata=metadata)["ts"]
    second = client.chat_postMessage(channel="C1", text="two")["ts"]
    client.chat_postMessage(channel="C2", text="elsewhere")

    plain = client.conversations_history(channel="C1")["messages"]
    with_metadata = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]

    assert [m["ts"] for m in plain] == [second, first]
    assert all("metadata" not in m for m in plain)
    assert with_metadata[1]["metadata"] == metadata
    assert "metadata" not in with_metadata[0]


def test_history_honours_oldest_and_limit(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(n))["ts"] for n in range(5)]

    newer = client.conversations_history(channel="C1", oldest=stamps[1])
    page = client.conversations_history(channel="C1", limit=2)

    assert [m["ts"] for m in newer["messages"]] == stamps[:1:-1]
    assert [m["ts"] for m in page["messages"]] == [stamps[4], stamps[3]]
    assert page["has_more"] is True


def test_chat_update_changes_the_stored_message(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="3 answers")["ts"]

    updated = client.chat_update(channel="C1", ts=ts, text="10+ answers")

    assert updated["ts"] == ts
    assert client.conversations_history(channel="C1")["messages"][0]["text"] == "10+ answers"


def test_views_open_echoes_the_view_with_an_id_and_hash(slack: SlackStandIn, client: WebClient) -> None:
    view = {"type": "modal", "callback_id": "checkin", "title": {"type": "plain_text", "text": "Check-in"}}

    opened = client.views_open(trigger_id="1.2.abc", view=view)["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)["view"]

    assert opened["id"].startswith("V") and opened["callback_id"] == "checkin" and opened["hash"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)


def test_views_publish_keeps_the_home_view(slack: SlackStandIn, client: WebClient) -> None:
    client.views_publish(user_id="U1", view={"type": "home", "blocks": []})

    assert slack.home_views["U1"]["type"] == "home"


def test_conversations_open_is_stable_per_user_set(slack: SlackStandIn, client: WebClient) -> None:
    group = client.conversations_open(users=["U2", "U1"])["channel"]["id"]
    again = client.conversations_open(users="U1,U2")["channel"]["id"]
    direct = client.conversations_open(users="U1")["channel"]["id"]

    assert group == again != direct and direct.startswith("D")
    assert set(client.conversations_members(channel=group)["members"]) == {"U1", "U2", BOT_USER_ID}
    assert client.conversations_info(channel=direct)["channel"]["is_im"] is True


def test_conversations_info_defaults_and_overrides(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_channel("C0OLD", is_archived=True)

    assert client.conversations_info(channel="C0TEAM")["channel"]["is_archived"] is False
    assert client.conversations_info(channel="C0OLD")["channel"]["is_archived"] is True
    with pytest.raises(SlackApiError, match="is_archived"):
        client.chat_postMessage(channel="C0OLD", text="hello?")


# --- Faults --------------------------------------------------------------------------------------------


def test_rate_limit_then_success_is_retried(slack: SlackStandIn) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=slack.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    slack.fail_next("chat.postMessage", retry_after=1)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]

    attempts = slack.calls_to("chat.postMessage")
    assert [a.answered_with for a in attempts] == ["http:429", "ok"]
    assert len(slack.successful_calls_to("chat.postMessage")) == 1


def test_server_error_then_success_is_retried(slack: SlackStandIn) -> None:
    quick_retries = FixedValueRetryIntervalCalculator(0.01)
    client = WebClient(
        token="xoxb-test",
        base_url=slack.url,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick_retries)],
    )
    slack.fail_next("chat.postMessage", status=500)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [a.status for a in slack.calls_to("chat.postMessage")] == [500, 200]


def test_without_a_retry_handler_a_429_surfaces(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("users.info", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as failure:
        client.users_info(user=BOT_USER_ID)

    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["retry-after"] == "7"


def test_an_error_answer_is_injected_times_over(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("conversations.invite", error="cant_invite", times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError, match="cant_invite"):
            client.conversations_invite(channel="C1", users="U1")
    assert client.conversations_invite(channel="C1", users="U1")["ok"]


def test_a_blocked_call_waits_until_unblocked(slack: SlackStandIn, client: WebClient) -> None:
    slack.block("chat.postMessage")
    results: list[Any] = []
    caller = threading.Thread(target=lambda: results.append(client.chat_postMessage(channel="C1", text="x")))
    caller.start()

    call = slack.wait_for_call("chat.postMessage", timeout=5)
    assert call.answered_with == "pending" and not results

    slack.unblock("chat.postMessage")
    caller.join(timeout=5)
    assert results and results[0]["ok"] and call.ok


def test_a_killed_caller_leaves_the_stand_in_working(slack: SlackStandIn, client: WebClient) -> None:
    slack.block("chat.postMessage")
    script = (
        "from slack_sdk import WebClient; "
        f"WebClient(token='xoxb-test', base_url={slack.url!r}).chat_postMessage(channel='C1', text='x')"
    )
    caller = subprocess.Popen([sys.executable, "-c", script])
    try:
        held = slack.wait_for_call("chat.postMessage", timeout=10)
    finally:
        caller.kill()
        caller.wait(timeout=10)

    slack.unblock("chat.postMessage")

    assert client.chat_postMessage(channel="C1", text="after")["ok"]
    assert held.args["text"] == "x"


def test_wait_for_call_times_out(slack: SlackStandIn) -> None:
    with pytest.raises(TimeoutError):
        slack.wait_for_call("chat.postMessage", timeout=0.05)


def test_response_urls_are_recorded(slack: SlackStandIn) -> None:
    from slack_sdk.webhook import WebhookClient

    WebhookClient(slack.hooks_url + "commands/T/1/abc").send(text="Thanks!", response_type="ephemeral")

    assert slack.calls_to(RESPONSE_URL)[0].args == {"text": "Thanks!", "response_type": "ephemeral"}


# --- Signed requests -----------------------------------------------------------------------------------


class Capture:
    """A `post` function that keeps what it was given and answers 200."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, path: str, body: bytes, headers: Any) -> tuple[int, str]:
        self.sent.append((path, body, dict(headers)))
        return 200, ""


def _is_valid(body: bytes, headers: dict[str, str]) -> bool:
    return SignatureVerifier(SIGNING_SECRET).is_valid(
        body=body,
        timestamp=headers["X-Slack-Request-Timestamp"],
        signature=headers["X-Slack-Signature"],
    )


def test_signatures_verify_unless_forged_or_stale() -> None:
    capture = Capture()
    requests = SlackRequests(capture, SIGNING_SECRET)

    requests.command("/checkin")
    requests.forged().command("/checkin")
    requests.stale().command("/checkin")

    assert [_is_valid(body, headers) for _, body, headers in capture.sent] == [True, False, False]
    assert capture.sent[0][0] == "/slack/events"


def test_event_retries_carry_slack_headers() -> None:
    capture = Capture()

    SlackRequests(capture, SIGNING_SECRET).event({"type": "app_home_opened", "user": "U1"}, retry_num=1)

    headers = capture.sent[0][2]
    assert headers["X-Slack-Retry-Num"] == "1" and headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert headers["Content-Type"] == "application/json"


def _bolt_flask_app(slack: SlackStandIn, seen: dict[str, Any], event_seen: threading.Event) -> Flask:
    """A bare Bolt app behind Flask, as Slack would reach it: checks our payloads parse as Bolt expects."""
    bolt = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token="xoxb-test", base_url=slack.url),
        token_verification_enabled=False,
    )

    @bolt.command("/checkin")
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        seen["command"] = command
        ack()

    @bolt.action("answer")
    def on_action(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        seen["action"] = (body, action)
        ack()

    @bolt.view("checkin")
    def on_view(ack: Ack, view: dict[str, Any]) -> None:
        seen["view"] = view
        ack(response_action="errors", errors={"note": "Too long"})

    @bolt.event("app_home_opened")
    def on_home(event: dict[str, Any]) -> None:
        seen["event"] = event
        event_seen.set()

    handler = SlackRequestHandler(bolt)
    flask_app = Flask(__name__)
    flask_app.add_url_rule("/slack/events", "slack_events", lambda: handler.handle(request), methods=["POST"])
    return flask_app


def test_payloads_reach_bolt_listeners(slack: SlackStandIn) -> None:
    seen: dict[str, Any] = {}
    event_seen = threading.Event()
    flask_app = _bolt_flask_app(slack, seen, event_seen)
    requests = SlackRequests.for_flask(flask_app.test_client(), SIGNING_SECRET)

    assert requests.command("/checkin", "help", user_id="U1").status == 200
    assert seen["command"]["text"] == "help" and seen["command"]["user_id"] == "U1"

    assert requests.block_action("answer", "yes", channel_id="C9").status == 200
    body, action = seen["action"]
    assert action["value"] == "yes" and body["channel"]["id"] == "C9"
    assert body["container"]["message_ts"] == body["message"]["ts"]

    modal = view_payload("checkin", {"mood": {"pick": radio("4")}}, view_id="V9")
    requests.block_action("answer", element=static_select("weekly"), view=modal)
    body, action = seen["action"]
    assert action["selected_option"]["value"] == "weekly"
    assert body["container"] == {"type": "view", "view_id": "V9"}

    values = {
        "mood": {"pick": radio("4")},
        "kinds": {"pick": checkboxes(["emotional", "practical"])},
        "note": {"text": text("fine")},
        "when": {"time": timepicker("09:00")},
    }
    response = requests.view_submission("checkin", values, private_metadata='{"round": "r1"}')
    assert response.json() == {"response_action": "errors", "errors": {"note": "Too long"}}
    assert seen["view"]["state"]["values"] == values
    assert seen["view"]["private_metadata"] == '{"round": "r1"}'

    assert requests.event({"type": "app_home_opened", "user": "U1", "tab": "home"}).status == 200
    assert event_seen.wait(5) and seen["event"]["user"] == "U1"

    assert requests.forged().command("/checkin").status == 401
    assert requests.stale().command("/checkin").status == 401
    assert slack.calls_to("auth.test") and slack.violations == []


def test_requests_over_http(slack: SlackStandIn) -> None:
    seen: dict[str, Any] = {}
    server = make_server("127.0.0.1", 0, _bolt_flask_app(slack, seen, threading.Event()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        requests = SlackRequests.for_url(f"http://127.0.0.1:{server.server_port}", SIGNING_SECRET)

        assert requests.command("/checkin", "now").status == 200
        assert seen["command"]["text"] == "now"
        assert requests.forged().command("/checkin").status == 401
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_reading_history_needs_the_scope_for_that_kind_of_conversation() -> None:
    """As Slack does: with only channels:history granted, a DM's or group DM's history is refused."""
    with SlackStandIn(bot_scopes=["chat:write", "channels:history"]) as standin:
        client = WebClient(token="xoxb-test", base_url=standin.url)
        client.chat_postMessage(channel="C0OPEN", text="hello")
        assert client.conversations_history(channel="C0OPEN")["messages"][0]["text"] == "hello"
        dm = client.conversations_open(users="U0ANA")["channel"]["id"]
        group = client.conversations_open(users="U0ANA,U0BEN")["channel"]["id"]
        for channel in (dm, group, "U0ANA"):
            with pytest.raises(SlackApiError) as refused:
                client.conversations_history(channel=channel)
            assert refused.value.response["error"] == "missing_scope"
        assert len(standin.violations) == 3
