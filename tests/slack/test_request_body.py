"""Kindred reads Slack's request bodies exactly as Bolt reads them: the same fields, the same payload."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.adapter.flask.handler import to_bolt_request as bolt_to_bolt_request
from slack_bolt.request.internals import parse_body as bolt_parse_body

from slackapp.slack.request_body import parse_body, parse_form, to_bolt_request, unquote_form_text
from tests.checkins.test_checkin_story import answers_form
from tests.slack_requests import SlackRequests

# Text made mostly of what makes form decoding interesting: escapes good and bad, separators, backslashes
# (the fast path's own escape character), plus signs and text that is not ASCII.
FORM_TEXT = st.text(
    alphabet=st.sampled_from(
        list('%%%+&=\\\\xuU0123456789abcdefABCDEFgz "{}:,') + ["é", "€", "\u2028", "😀"]
    ),
    max_size=60,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=2000)
@given(FORM_TEXT)
def test_form_text_is_unquoted_as_urllib_does(text: str) -> None:
    assert unquote_form_text(text) == unquote(text.replace("+", " "))


@settings(max_examples=2000)
@given(FORM_TEXT)
def test_a_form_is_read_as_urllib_reads_it(body: str) -> None:
    assert parse_form(body) == dict(parse_qsl(body, keep_blank_values=True))


@settings(max_examples=500)
@given(st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=6), st.booleans())
def test_a_payload_is_read_as_bolt_reads_it(payload: dict[str, Any], plus_for_space: bool) -> None:
    encoded = json.dumps(payload, ensure_ascii=False)
    body = "payload=" + (quote_plus(encoded) if plus_for_space else quote(encoded, safe=""))
    for content_type in ("application/x-www-form-urlencoded", None):
        assert parse_body(body, content_type) == bolt_parse_body(body, content_type) == payload


@settings(max_examples=500)
@given(FORM_TEXT, st.sampled_from(["application/x-www-form-urlencoded", "application/json", None]))
def test_any_body_is_read_as_bolt_reads_it(body: str, content_type: str | None) -> None:
    try:
        expected: Any = bolt_parse_body(body, content_type)
    except ValueError as error:  # not JSON where JSON was due: both refuse it
        try:
            parse_body(body, content_type)
        except ValueError as ours:
            assert type(ours) is type(error)
            return
        raise AssertionError("Bolt refused a body Kindred accepted") from None
    assert parse_body(body, content_type) == expected


def test_a_signed_check_in_submission_becomes_the_request_bolt_would_build() -> None:
    captured: list[tuple[bytes, dict[str, str]]] = []

    def capture(_path: str, body: bytes, headers: Any) -> tuple[int, str]:
        captured.append((body, dict(headers)))
        return 200, ""

    slack = SlackRequests(capture, "secret")
    slack.view_submission("checkin", answers_form(2, comment="100% «fine» + a\\b & c=d"), '{"round_id": "x"}')
    slack.command("/checkin", "some text & more")
    web = Flask("test")
    for body, headers in captured:
        with web.test_request_context("/slack/events?a=1", method="POST", data=body, headers=headers):
            from flask import request

            ours, bolts = to_bolt_request(request), bolt_to_bolt_request(request)
            assert ours.raw_body == bolts.raw_body == body.decode()
            assert ours.body == bolts.body and ours.body
            assert dict(ours.context) == dict(bolts.context)
            assert ours.query == bolts.query and ours.headers == bolts.headers
            assert (ours.content_type, ours.mode, ours.lazy_only, ours.lazy_function_name) == (
                bolts.content_type,
                bolts.mode,
                bolts.lazy_only,
                bolts.lazy_function_name,
            )


def test_an_urlencoded_body_of_many_fields_keeps_the_last_of_each() -> None:
    body = urlencode([("a", "1"), ("b", "x y"), ("a", "2")]) + "&&c"
    assert parse_form(body) == {"a": "2", "b": "x y", "c": ""}
