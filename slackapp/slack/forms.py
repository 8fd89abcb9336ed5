"""Create/edit forms: a modal built from its inputs, a submission read back by block and action id, and
problems shown beside the fields they are about."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from slack_bolt import Ack
from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from slackapp.errors import NotFound
from slackapp.slack.payloads import parse_uuid, private_metadata


def build_form(
    *,
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    metadata: Mapping[str, object] | None = None,
    submit: str = "Save",
    close: str = "Cancel",
) -> View:
    """A modal that submits to `callback_id`.

    Args:
        blocks: the inputs, filled with their current values, and any text around them.
        metadata: what the listener needs back on submission (the id of the thing edited), kept as
            JSON in `private_metadata`; None keeps none.
    """
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close=close,
        private_metadata=json.dumps(dict(metadata)) if metadata is not None else None,
        blocks=list(blocks),
    )


def text_input(
    *,
    block_id: str,
    action_id: str,
    label: str,
    initial: str | None = None,
    max_length: int | None = None,
    hint: str | None = None,
    optional: bool | None = None,
    multiline: bool = False,
    placeholder: str | None = None,
) -> InputBlock:
    """A text field filled with `initial` (an empty one shows the placeholder)."""
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=optional,
        element=PlainTextInputElement(
            action_id=action_id,
            initial_value=initial or None,
            max_length=max_length,
            multiline=multiline or None,
            placeholder=placeholder,
        ),
    )


def checkboxes_input(
    *,
    block_id: str,
    action_id: str,
    label: str,
    options: Sequence[Option],
    ticked: Collection[str] = (),
    hint: str | None = None,
    optional: bool | None = None,
) -> InputBlock:
    """A set of checkboxes with the options whose values are in `ticked` already ticked."""
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=optional,
        element=CheckboxesElement(
            action_id=action_id,
            options=list(options),
            initial_options=[o for o in options if o.value in ticked] or None,
        ),
    )


def select_input(
    *,
    block_id: str,
    action_id: str,
    label: str,
    options: Sequence[Option],
    chosen: str | None = None,
    hint: str | None = None,
    optional: bool | None = None,
) -> InputBlock:
    """A drop-down with the option whose value is `chosen` already chosen (none when no option has it)."""
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=optional,
        element=StaticSelectElement(
            action_id=action_id,
            options=list(options),
            initial_option=next((o for o in options if o.value == chosen), None),
        ),
    )


def channel_input(
    *,
    block_id: str,
    action_id: str,
    label: str,
    initial: str | None = None,
    hint: str | None = None,
    optional: bool | None = None,
) -> InputBlock:
    """A picker of public and private channels (no DMs), with `initial` already chosen."""
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=optional,
        element=ConversationSelectElement(
            action_id=action_id,
            initial_conversation=initial,
            filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        ),
    )


# What an admin is told when a form's record of what it edits is unreadable: a tampered or garbled form.
STALE_FORM = ("Please start again", "This form is out of date. Open it again from the Home tab.")


class Submission:
    """What a person submitted in a form, read by block id and action id.

    Slack sends only what it sends: anything missing or of the wrong shape reads as empty, and the
    service then says what is wrong in the person's words. `action_id` is the one the form's inputs
    share; a read may name another.
    """

    def __init__(self, view: Mapping[str, Any], *, action_id: str) -> None:
        state = view.get("state")
        values = state.get("values") if isinstance(state, Mapping) else None
        self._values: Mapping[str, Any] = values if isinstance(values, Mapping) else {}
        self._action_id = action_id
        self.metadata = private_metadata(dict(view))
        # Metadata sent but not a JSON object: a tampered or garbled form, not to pass for a new one.
        self._metadata_unreadable = bool(view.get("private_metadata")) and not _is_json_object(
            view.get("private_metadata")
        )

    def edited_id(self, key: str) -> uuid.UUID | None:
        """The id of what this form edits (under `key` in its metadata), or None for a form that makes one.

        Raises:
            NotFound: the metadata is unreadable, or `key` holds something that is not an id. A tampered
                or garbled edit form must not quietly make a second pulse, programme or entry.
        """
        raw = self.metadata.get(key)
        found = parse_uuid(raw)
        if self._metadata_unreadable or (raw and found is None):
            raise NotFound(STALE_FORM[1], title=STALE_FORM[0])
        return found

    def element(self, block_id: str, action_id: str | None = None) -> dict[str, Any]:
        """The raw state of one input: {} when it is missing."""
        block = self._values.get(block_id)
        found = block.get(action_id or self._action_id) if isinstance(block, Mapping) else None
        return found if isinstance(found, dict) else {}

    def text(self, block_id: str, action_id: str | None = None) -> str:
        return str(self.element(block_id, action_id).get("value") or "")

    def selected(self, block_id: str, action_id: str | None = None) -> str:
        """The value of the option chosen in a select, or "" when none is."""
        option = self.element(block_id, action_id).get("selected_option")
        return str(option.get("value") or "") if isinstance(option, dict) else ""

    def checked(self, block_id: str, action_id: str | None = None) -> tuple[str, ...]:
        """The values of the boxes ticked in a set of checkboxes."""
        options = self.element(block_id, action_id).get("selected_options") or []
        return tuple(str(o.get("value")) for o in options if isinstance(o, dict))

    def users(self, block_id: str, action_id: str | None = None) -> list[str]:
        users = self.element(block_id, action_id).get("selected_users") or []
        return [str(u) for u in users if isinstance(u, str) and u]

    def user(self, block_id: str, action_id: str | None = None) -> str:
        return str(self.element(block_id, action_id).get("selected_user") or "")

    def conversation(self, block_id: str, action_id: str | None = None) -> str:
        return str(self.element(block_id, action_id).get("selected_conversation") or "")

    def date(self, block_id: str, action_id: str | None = None) -> str:
        return str(self.element(block_id, action_id).get("selected_date") or "")

    def time(self, block_id: str, action_id: str | None = None) -> str:
        return str(self.element(block_id, action_id).get("selected_time") or "")


def _is_json_object(text: object) -> bool:
    try:
        return isinstance(json.loads(str(text)), dict)
    except ValueError:
        return False


def show_field_errors(ack: Ack, errors: Mapping[str, str]) -> bool:
    """When there are problems, answer the submission with each beside its field and keep the form open.

    Args:
        errors: a message in plain words by block id.

    Returns:
        True when it answered (the caller saves nothing and stops), False when there was nothing to say.
    """
    if not errors:
        return False
    ack(response_action="errors", errors=dict(errors))
    return True
