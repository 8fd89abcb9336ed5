"""Slack mrkdwn: the one escape for typed text, safe links, and dates in each reader's own time zone.

Slack reads `<…>` as a mention (`<!channel>`, `<@U…>`) or a link (`<https://evil|https://eap…>`), and `&`
starts an entity; escaped, the text is shown exactly as it was typed and can ping nobody or hide a link.
plain_text fields need none of this: Slack shows them as they are.
"""

from __future__ import annotations

from datetime import datetime


def escape(text: str) -> str:
    """`&`, `<` and `>` as Slack's entities (Slack's "Escaping text" rules), so typed text stays text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A link whose address and label were typed by someone: neither can close the link or add another.

    A `|` in the address would end it early (the rest becoming the label), so it is percent-encoded.
    """
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


def slack_date(moment: datetime) -> str:
    """A date and time Slack renders in each reader's own time zone (UTC where it cannot)."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{moment:%d %b %H:%M} UTC>"
