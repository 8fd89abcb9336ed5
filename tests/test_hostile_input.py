"""Correctly signed but malformed, oversized, wrongly typed and unicode-heavy payloads of every kind the
app receives (commands, events, block actions, external_select option requests, view submissions and
closings): never a 5xx, nothing written, and the app answers normally afterwards."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from slackapp.app import create_app
from slackapp.checkins.ids import CheckinAction, CheckinCallback
from slackapp.database import SessionFactory
from slackapp.installations.oauth import build_oauth_settings
from slackapp.models import Base
from slackapp.org.ids import OrgAction
from slackapp.org.service import load_org
from slackapp.resources.ids import ResourceAction
from slackapp.settings import Settings
from slackapp.web import create_web_app
from tests.conftest import SIGNING_SECRET, SettlingExecutor
from tests.factories import WORKSPACE, make_pulse
from tests.installations.conftest import install
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=50),
    st.text(alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=20),
    st.just("x" * 5000),
)
json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
known_ids = st.sampled_from(
    [
        *list(CheckinAction),
        *list(CheckinCallback),
        *list(OrgAction),
        ResourceAction.NEXT_PAGE,
        "",
        "\u0000",
        "admin_add",
    ]
)


def interactive_payload() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                [
                    "block_actions",
                    "block_suggestion",
                    "view_submission",
                    "view_closed",
                    "shortcut",
                    "nonsense",
                ]
            ),
            # block_suggestion (an external_select asking for options) names its element and the text
            # typed at the top level, not in `actions`.
            "action_id": known_ids,
            "value": json_value,
            "user": st.one_of(json_value, st.fixed_dictionaries({"id": st.text(max_size=20)})),
            "team": st.one_of(json_value, st.just({"id": "T0KINDRED"})),
            "trigger_id": st.one_of(st.text(max_size=20), st.none()),
            "actions": st.lists(
                st.fixed_dictionaries(
                    {"action_id": known_ids, "value": json_value, "type": st.sampled_from(["button", "x"])}
                ),
                max_size=2,
            ),
            "view": st.fixed_dictionaries(
                {
                    "callback_id": known_ids,
                    "private_metadata": st.one_of(st.text(max_size=80), st.just('{"round_id": 5}')),
                    "state": st.fixed_dictionaries({"values": json_value}),
                }
            ),
        }
    )


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
            if table.name != "person_pace"  # fair use counts every request, refused or not
        }


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(payload=interactive_payload())
def test_malformed_interactions_never_get_a_5xx_or_write_anything(
    slack_requests: SlackRequests, engine: Engine, payload: dict[str, Any]
) -> None:
    before = row_counts(engine)
    reply = slack_requests.interactive(payload)
    assert reply.status < 500
    assert row_counts(engine) == before


@FUZZ
@given(
    action_id=st.sampled_from([*list(OrgAction), "org_nope"]),
    typed=st.one_of(
        st.text(max_size=200),
        st.text(alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=20),
        st.just("x" * 5000),
        st.just("Team 0 team  TEAM"),
    ),
    user_id=st.sampled_from(["U0FUZZHR", "U0FUZZER"]),
)
def test_option_requests_never_get_a_5xx_nor_more_than_100_options_nor_any_for_a_non_admin(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    engine: Engine,
    action_id: str,
    typed: str,
    user_id: str,
) -> None:
    slack.add_user("U0FUZZHR", is_admin=True)
    slack.add_user("U0FUZZER")
    with session_factory() as session:
        teams = load_org(session=session, workspace_id=WORKSPACE).teams
    for n in range(3 - len(teams)):  # made once: hypothesis runs every example in one test's database
        make_pulse(session_factory, f"C0FUZZ{n}")
    before = row_counts(engine)
    reply = slack_requests.block_suggestion(action_id, typed, user_id=user_id)
    assert reply.status < 500
    if reply.status == 200:
        options = reply.json()["options"]
        assert len(options) <= 100 and (user_id == "U0FUZZHR" or options == [])
    assert row_counts(engine) == before


@FUZZ
@given(
    command=st.sampled_from(["/checkin", "/nope"]), text=st.text(max_size=3000), channel=st.text(max_size=40)
)
def test_odd_slash_commands_never_get_a_5xx(
    slack_requests: SlackRequests, engine: Engine, command: str, text: str, channel: str
) -> None:
    before = row_counts(engine)
    reply = slack_requests.command(command, text, channel_id=channel or "C0X")
    assert reply.status < 500
    assert row_counts(engine) == before


@FUZZ
@given(event=st.dictionaries(st.sampled_from(["type", "user", "tab", "channel"]), json_value, max_size=4))
def test_odd_events_never_get_a_5xx(
    slack_requests: SlackRequests, engine: Engine, event: dict[str, Any]
) -> None:
    before = row_counts(engine)
    assert slack_requests.event(event).status < 500
    assert row_counts(engine) == before


@FUZZ
@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
)
def test_garbage_bodies_never_get_a_5xx(
    slack_requests: SlackRequests, body: bytes, content_type: str
) -> None:
    assert slack_requests.send(body, content_type).status < 500


def test_the_app_answers_normally_after_the_fuzzing(slack_requests: SlackRequests) -> None:
    assert slack_requests.url_verification("still-here").json() == {"challenge": "still-here"}
    assert json.loads(json.dumps({"ok": True}))


# --- Whole requests of any shape, through every authorization mode --------------------------------------

STRANGER = "T0STRANGER"  # a workspace Kindred was never installed in
# The smallest signed requests that once got a 500 (each reached Bolt's authorization or a listener).
MINIMAL_CASES: list[tuple[str, dict[str, Any]]] = [
    ("json", {"type": "event_callback", "team_id": WORKSPACE, "event": []}),
    ("json", {"type": "url_verification", "event": None}),  # Bolt reads `event` of every request
    (
        "form",
        {
            "type": "block_suggestion",
            "user": {"id": "U0FUZZ"},
            "team": {"id": WORKSPACE},
            "action_id": OrgAction.EDIT_TEAM,
            "value": "a",
            "view": None,
        },
    ),
    (
        "form",
        {
            "type": "block_actions",
            "user": {"id": "U0FUZZ"},
            "team": {"id": STRANGER},
            "trigger_id": "1.2.abc",
            "response_url": "not-a-url",
            "actions": [{"action_id": "data_rights_show", "type": "button"}],
        },
    ),
    (
        "form",  # an unknown workspace whose response_url does not answer: Slack's outage, not a 500
        {
            "type": "block_actions",
            "user": {"id": "U0FUZZ"},
            "team": {"id": STRANGER},
            "trigger_id": "1.2.abc",
            "response_url": "http://127.0.0.1:9/hooks/nothing",
            "actions": [{"action_id": "data_rights_show", "type": "button"}],
        },
    ),
]

team_ids = st.one_of(st.sampled_from([WORKSPACE, STRANGER, "", "T0\r\nFORGED"]), json_value)
user_ids = st.one_of(st.sampled_from(["U0FUZZ", "", "U0\nFORGED"]), json_value)
odd_urls = st.one_of(
    st.sampled_from(
        ["not-a-url", "", "ftp://x/y", "http://", "https://", "javascript:alert(1)", "http://127.0.0.1:9/x"]
    ),
    st.just("hooks"),  # the stand-in's response_url, filled in when sent
    json_value,
)
kinds = st.one_of(
    st.sampled_from(
        [
            "event_callback",
            "block_actions",
            "block_suggestion",
            "view_submission",
            "view_closed",
            "url_verification",
            "ssl_check",
            "shortcut",
            "message_action",
            "nonsense",
        ]
    ),
    json_value,
)
some_object = st.dictionaries(st.sampled_from(["id", "type", "team_id", "name"]), json_value, max_size=3)
events = st.one_of(
    json_value,
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(
                st.sampled_from(["app_home_opened", "app_uninstalled", "tokens_revoked", "message"]),
                json_value,
            ),
            "user": st.one_of(user_ids, some_object),
            "tab": st.one_of(st.sampled_from(["home", "messages"]), json_value),
            "channel": json_value,
            "tokens": json_value,
            "view": json_value,
        },
    ),
)
views = st.one_of(
    st.none(),
    json_value,
    st.fixed_dictionaries(
        {},
        optional={
            "id": json_value,
            "type": st.one_of(st.sampled_from(["modal", "home"]), json_value),
            "callback_id": st.one_of(known_ids, json_value),
            "private_metadata": st.one_of(st.just('{"round_id": "x"}'), json_value),
            "state": st.one_of(st.fixed_dictionaries({"values": json_value}), json_value),
            "hash": json_value,
        },
    ),
)
actions = st.one_of(
    json_value,
    st.lists(
        st.fixed_dictionaries(
            {"action_id": st.one_of(known_ids, st.just("data_rights_show"))},
            optional={
                "value": json_value,
                "type": st.sampled_from(["button", "static_select", "x"]),
                "block_id": json_value,
                "selected_option": json_value,
            },
        ),
        max_size=2,
    ),
)
generated_bodies = st.fixed_dictionaries(
    {"type": kinds},
    optional={
        "team_id": team_ids,
        "team": st.one_of(json_value, st.fixed_dictionaries({"id": team_ids})),
        "enterprise": json_value,
        "user": st.one_of(
            json_value, st.fixed_dictionaries({"id": user_ids}, optional={"team_id": team_ids})
        ),
        "event": events,
        "view": views,
        "response_url": odd_urls,
        "actions": actions,
        "action_id": st.one_of(known_ids, json_value),
        "value": json_value,
        "trigger_id": st.one_of(st.just("1.2.abc"), json_value),
        "channel": st.one_of(json_value, some_object),
        "container": st.one_of(json_value, some_object),
        "message": json_value,
        "state": json_value,
        "authorizations": json_value,
    },
)
hostile_requests = st.one_of(
    st.sampled_from(MINIMAL_CASES),
    st.tuples(st.sampled_from(["json", "form"]), generated_bodies),
)


@pytest.fixture(params=["single workspace", "oauth"])
def any_mode_requests(
    request: pytest.FixtureRequest,
    settings: Settings,
    session_factory: SessionFactory,
    engine: Engine,
    slack: SlackStandIn,
    listener_threads: SettlingExecutor,
) -> SlackRequests:
    """Signed requests to the real app in either mode; with OAuth, installed in WORKSPACE only."""
    if request.param == "oauth":
        settings = replace(
            settings, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="client-secret"
        )
    bolt_app = create_app(
        settings,
        session_factory,
        oauth_settings=build_oauth_settings(settings, engine),
        listener_executor=listener_threads,
    )
    web = create_web_app(bolt_app, engine).test_client()
    if request.param == "oauth":
        install(web, slack, settings, WORKSPACE)

    def post(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        response = web.post(path, data=body, headers=dict(headers))
        listener_threads.settle()
        return response.status_code, response.get_data(as_text=True)

    return SlackRequests(post, SIGNING_SECRET, response_url_base=slack.hooks_url)


def listener_failures(caplog: pytest.LogCaptureFixture, since: int) -> list[str]:
    """The exceptions the app's error handler reported after `since` (Bolt's own words, in case it did)."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records[since:]
        if record.levelno >= logging.ERROR
        and (record.name == "slackapp.app" or record.getMessage().startswith("Failed to run"))
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=hostile_requests)
def test_signed_requests_of_any_shape_never_get_a_5xx_nor_make_a_listener_raise(
    any_mode_requests: SlackRequests,
    slack: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
    sent: tuple[str, dict[str, Any]],
) -> None:
    encoding, body = sent
    body = dict(body)
    if body.get("response_url") == "hooks":
        body["response_url"] = slack.hooks_url + "actions/x"
    since = len(caplog.records)
    if encoding == "json":
        reply = any_mode_requests.send(json.dumps(body), "application/json")
    else:
        reply = any_mode_requests.interactive(body)
    assert reply.status < 500, (reply.status, reply.text)
    assert listener_failures(caplog, since) == []


@FUZZ
@given(
    timestamp=st.one_of(st.sampled_from(["soon", "", "-1", "1e9", "١٢٣", "9" * 40]), st.text(max_size=20)),
    signature=st.one_of(st.sampled_from(["", "v0=", "v0=zz", "v1=ab"]), st.text(max_size=80)),
)
def test_unsigned_requests_with_any_signature_headers_get_401(
    web: FlaskClient, timestamp: str, signature: str
) -> None:
    headers = {"Content-Type": "application/json"}
    for name, value in (("X-Slack-Request-Timestamp", timestamp), ("X-Slack-Signature", signature)):
        if value.isprintable() and "\n" not in value:  # a header value cannot hold a line break
            headers[name] = value
    reply = web.post("/slack/events", data=b'{"type": "url_verification", "challenge": "x"}', headers=headers)
    assert reply.status_code == 401
