"""Correctly signed but malformed, oversized, wrongly typed and unicode-heavy payloads of every kind the
app receives (commands, events, block actions, external_select option requests, view submissions and
closings): never a 5xx, nothing written, and the app answers normally afterwards."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from slackapp.checkins.ids import CheckinAction, CheckinCallback
from slackapp.database import SessionFactory
from slackapp.models import Base
from slackapp.org.ids import OrgAction
from slackapp.org.service import load_org
from slackapp.resources.ids import ResourceAction
from tests.factories import WORKSPACE, make_pulse
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
