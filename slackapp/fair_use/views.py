"""What a person who is going too fast is told, once a minute at most."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View

SLOW_DOWN = (
    ":hourglass_flowing_sand: That was a lot of clicks in a short time, so Kindred is taking a breather. "
    "Please wait a minute and try again."
)


def build_slow_down_message() -> dict[str, Any]:
    """An ephemeral reply (to a slash command or through a message's response_url)."""
    return {"response_type": "ephemeral", "replace_original": False, "text": SLOW_DOWN}


def build_slow_down_modal() -> View:
    """A small modal for clicks in the App Home or in a modal, where there is nowhere to reply."""
    return View(
        type="modal",
        title="One moment",
        close="OK",
        blocks=[SectionBlock(text=SLOW_DOWN)],
    )
