"""Slack's request bodies read into the `BoltRequest` Bolt dispatches, the same as Bolt reads them, faster.

Interactive requests arrive as a form with one field, `payload`, holding percent-encoded JSON: a check-in
submission is a few kilobytes with hundreds of `%XX` escapes. Bolt decodes them with `urllib.parse`, one
escape at a time in Python, which cost about as much CPU as everything else Bolt does for the request
(benchmarks/checkin_intake). `parse_body` gives exactly what Bolt's `parse_body` gives, decoding the escapes
in C; anything unusual (text that is not ASCII, a malformed escape) goes to `urllib.parse` as before.
Bolt still checks the signature against the raw body, which is kept untouched.
"""

from __future__ import annotations

import codecs
import json
from typing import Any
from urllib.parse import unquote

from flask import Request
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context


def unquote_form_text(text: str) -> str:
    """`urllib.parse.unquote(text.replace("+", " "))`, with the escapes decoded in C when text is ASCII.

    Each `%XX` becomes `\\xXX` for Python's `unicode_escape` codec, after every backslash already there is
    doubled so that it stays a backslash; the bytes so decoded are then read as UTF-8, as `unquote` does.
    A malformed escape makes the codec fail, and `unquote` handles the text instead.
    """
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("%", "\\x").encode("ascii")
        try:
            return codecs.decode(escaped, "unicode_escape").encode("latin-1").decode("utf-8", "replace")
        except UnicodeDecodeError:
            pass
    return unquote(text)


def parse_form(body: str) -> dict[str, str]:
    """`dict(urllib.parse.parse_qsl(body, keep_blank_values=True))`: the last value of each name."""
    fields: dict[str, str] = {}
    for pair in body.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            fields[unquote_form_text(name)] = unquote_form_text(value)
    return fields


def parse_body(body: str, content_type: str | None) -> Any:
    """What `slack_bolt.request.internals.parse_body` returns for this body, branch for branch (JSON that
    is not an object too: the shape check after the signature refuses it, as it refuses Bolt's)."""
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):
        return json.loads(body)
    if "payload" in body:
        payload = parse_form(body).get("payload")
        return json.loads(payload) if payload is not None else {}
    return parse_form(body)


def to_bolt_request(request: Request) -> BoltRequest:
    """Bolt's request for a Flask request, as `slack_bolt.adapter.flask.handler.to_bolt_request` makes it.

    Bolt parses the body it is given in its constructor; it is given none there, and the body, its
    parsed form and the context Bolt derives from it are set right after, as the constructor sets them.
    """
    raw_body = request.get_data(as_text=True)
    bolt_request = BoltRequest(
        body="",
        query=request.query_string.decode("utf-8"),
        headers=request.headers,  # type: ignore[arg-type]  # Bolt reads any mapping of headers
    )
    bolt_request.raw_body = raw_body
    bolt_request.body = parse_body(raw_body, bolt_request.content_type)
    bolt_request.context = build_context(BoltContext({}), bolt_request.body)
    return bolt_request
