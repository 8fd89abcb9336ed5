"""The create/edit form helper: a modal built from its inputs, read back by block and action id, and a
bad submission answered with field errors while nothing is saved."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, Option, UserMultiSelectElement

from slackapp.slack.forms import Submission, build_form, checkboxes_input, show_field_errors, text_input
from tests.slack_requests import SlackRequests, checkboxes, conversation, static_select, text, users
from tests.slack_standin import SlackStandIn

SIGNING_SECRET = "forms-test-secret"
FIELD = "pet_field"


def build_pet_form(name: str | None) -> dict[str, Any]:
    return build_form(
        callback_id="pet_form",
        title="Pet",
        metadata={"pet_id": "p1"},
        blocks=[
            text_input(block_id="name", action_id=FIELD, label="Name", initial=name, max_length=40),
            InputBlock(
                block_id="owners",
                label="Owners",
                optional=True,
                element=UserMultiSelectElement(action_id=FIELD, initial_users=["U1"]),
            ),
        ],
    ).to_dict()


def test_a_form_keeps_its_ids_initial_values_and_metadata() -> None:
    view = build_pet_form("Rex")
    assert (view["type"], view["callback_id"], view["submit"]["text"], view["close"]["text"]) == (
        "modal",
        "pet_form",
        "Save",
        "Cancel",
    )
    assert json.loads(view["private_metadata"]) == {"pet_id": "p1"}
    name = view["blocks"][0]
    assert (name["block_id"], name["element"]["action_id"]) == ("name", FIELD)
    assert name["element"]["initial_value"] == "Rex" and name["element"]["max_length"] == 40
    # An empty value is no initial value: Slack shows the placeholder, not a blank that reads as typed.
    assert "initial_value" not in build_pet_form("")["blocks"][0]["element"]


def test_checkboxes_start_with_the_chosen_values_ticked() -> None:
    options = [Option(value=v, text=v.title()) for v in ("sit", "roll", "beg")]
    block = checkboxes_input(
        block_id="tricks", action_id=FIELD, label="Tricks", options=options, ticked={"roll"}
    ).to_dict()
    assert [o["value"] for o in block["element"]["options"]] == ["sit", "roll", "beg"]
    assert [o["value"] for o in block["element"]["initial_options"]] == ["roll"]
    none_ticked = checkboxes_input(block_id="tricks", action_id=FIELD, label="Tricks", options=options)
    assert "initial_options" not in none_ticked.to_dict()["element"]


def test_a_form_without_metadata_sends_none() -> None:
    view = build_form(
        callback_id="c", title="T", blocks=[text_input(block_id="b", action_id="a", label="L")]
    ).to_dict()
    assert "private_metadata" not in view


def test_a_submission_reads_each_kind_of_input_by_block_and_action_id() -> None:
    values = {
        "name": {FIELD: text("Rex")},
        "owners": {FIELD: users(["U1", "U2"])},
        "kind": {FIELD: static_select("dog")},
        "tricks": {FIELD: checkboxes(["sit", "roll"])},
        "home": {FIELD: conversation("C1")},
        "vet": {"other_action": text("Dr Who")},
    }
    form = Submission({"state": {"values": values}, "private_metadata": '{"pet_id": "p1"}'}, action_id=FIELD)
    assert form.text("name") == "Rex"
    assert form.users("owners") == ["U1", "U2"]
    assert form.selected("kind") == "dog"
    assert form.checked("tricks") == ("sit", "roll")
    assert form.conversation("home") == "C1"
    assert form.text("vet", "other_action") == "Dr Who"
    assert form.metadata == {"pet_id": "p1"}


def test_a_malformed_submission_reads_as_empty_rather_than_failing() -> None:
    odd: dict[str, Any] = {
        "state": {"values": {"name": {FIELD: "not an element"}, "kind": {FIELD: {"selected_option": 3}}}},
        "private_metadata": "not json",
    }
    form = Submission(odd, action_id=FIELD)
    assert (form.text("name"), form.selected("kind"), form.checked("tricks")) == ("", "", ())
    assert form.users("x") == []
    assert (form.user("x"), form.date("x"), form.time("x"), form.metadata) == ("", "", "", {})
    assert Submission({}, action_id=FIELD).text("name") == ""


def test_a_bad_submission_gets_a_field_error_and_saves_nothing(slack: SlackStandIn) -> None:
    saved: list[str] = []
    bolt = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token="xoxb-test", base_url=slack.url),
        token_verification_enabled=False,
    )

    @bolt.view("pet_form")
    def save_pet(ack: Ack, view: dict[str, Any]) -> None:
        form = Submission(view, action_id=FIELD)
        name = form.text("name").strip()
        if show_field_errors(ack, {"name": "Give your pet a name."} if not name else {}):
            return
        saved.append(name)
        ack()

    handler = SlackRequestHandler(bolt)
    flask_app = Flask(__name__)
    flask_app.add_url_rule("/slack/events", "slack_events", lambda: handler.handle(request), methods=["POST"])
    slack = SlackRequests.for_flask(flask_app.test_client(), signing_secret=SIGNING_SECRET)

    bad = slack.view_submission("pet_form", {"name": {FIELD: text("   ")}})
    assert bad.status == 200
    assert bad.json() == {"response_action": "errors", "errors": {"name": "Give your pet a name."}}
    assert saved == []

    good = slack.view_submission("pet_form", {"name": {FIELD: text("Rex")}})
    assert good.status == 200 and good.text == ""
    assert saved == ["Rex"]
