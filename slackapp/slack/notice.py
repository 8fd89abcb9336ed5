"""A one-message modal, shared by every feature: "only admins can do that", "this round has closed"."""

from __future__ import annotations

from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View


def build_notice_view(title: str, text: str) -> View:
    return View(type="modal", title=title[:24], close="Close", blocks=[SectionBlock(text=text)])
