"""The digest DM: each of the manager's teams in a line, and a link to the dashboard."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from slackapp.digests.service import Digest, Headline


def _escape(text: str) -> str:
    """Team names are typed by HR: &, < and > are Slack's control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def headline_text(headline: Headline, hidden_reason: str) -> str:
    name = f"*{_escape(headline.team)}*"
    if headline.respondents is None:
        return f"{name}: results not shown ({hidden_reason})."
    line = f"{name}: {headline.respondents} answered"
    if headline.wellbeing is not None:
        line += f", well-being {headline.wellbeing:.1f} out of 5"
        if headline.previous is not None:
            line += f" ({headline.previous:.1f} the time before)"
    return line + "."


def build_digest_message(digest: Digest, dashboard_url: str | None) -> tuple[str, list[Block]]:
    """The DM's text (for notifications) and blocks."""
    week = f"{digest.week.day} {digest.week:%b %Y}"
    title = f"Your teams' check-in results for the week of {week} are in."
    lines = "\n".join(f"• {headline_text(h, digest.hidden_reason)}" for h in digest.headlines)
    link = f"<{dashboard_url}|Open the dashboard>" if dashboard_url else "Open the Kindred dashboard"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{title}*\n{lines}")),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"{link} to see where to act. Only totals are shown, never anyone's answers."
                )
            ]
        ),
    ]
    return title, blocks
