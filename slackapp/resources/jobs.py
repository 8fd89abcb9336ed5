"""The worker's resource jobs: forget anonymous questions that waited 30 days; count group members daily."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update

from slackapp.resources.models import ResourceEntry
from slackapp.resources.service import mark_channel_archived, purge_expired_questions
from slackapp.resources.stats import count_channel_members, record_member_count
from slackapp.scheduler.worker import JobContext
from slackapp.slack.mrkdwn import escape

log = logging.getLogger(__name__)


def purge_expired_anonymous_questions(context: JobContext) -> None:
    """Periodic: delete questions (and so who asked them) 30 days after they were asked, answered or not."""
    with context.session_factory.begin() as session:
        purged = purge_expired_questions(session=session, now=context.now)
    if purged:
        log.info("forgot %d unanswered anonymous question(s)", purged)


COUNT_MEMBERS_EVERY = timedelta(days=1)


def count_group_members(context: JobContext) -> None:
    """Periodic: store how many people are in each group's channel, at most once a day per group."""
    stale = context.now - COUNT_MEMBERS_EVERY
    with context.session_factory() as session:
        due = session.execute(
            select(ResourceEntry.id, ResourceEntry.workspace_id, ResourceEntry.channel_id).where(
                ResourceEntry.channel_id.is_not(None),
                ResourceEntry.archived_at.is_(None),
                or_(ResourceEntry.members_counted_at.is_(None), ResourceEntry.members_counted_at < stale),
            )
        ).all()
    for entry_id, workspace_id, channel_id in due:
        if not context.is_installed(workspace_id):
            continue
        client = context.slack(workspace_id)
        archived = _is_archived(client, str(channel_id))
        count = (
            None
            if archived
            else count_channel_members(client, str(channel_id), bot_user_id=client.auth_test().get("user_id"))
        )
        with context.session_factory.begin() as session:
            # Written first, and only if the entry still points at the channel Slack was asked about:
            # HR may have moved the group, or archived it, meanwhile. This write holds the row
            # (PostgreSQL) or the database (SQLite), so the entry read next stays as it is until commit.
            # Read first, the old channel's standing was written onto the new one: a group shown as
            # unavailable, and HR told its channel was archived.
            still = session.execute(
                update(ResourceEntry)
                .where(
                    ResourceEntry.id == entry_id,
                    ResourceEntry.channel_id == channel_id,
                    ResourceEntry.archived_at.is_(None),
                )
                .values(members_counted_at=context.now)
                .execution_options(synchronize_session=False)
            )
            entry = session.get(ResourceEntry, entry_id)
            if still.rowcount != 1 or entry is None:  # type: ignore[attr-defined]
                continue
            if count is not None:
                entry.member_count = count
                record_member_count(session=session, entry_id=entry.id, count=count, now=context.now)
            newly = mark_channel_archived(session=session, entry=entry, archived=archived, now=context.now)
            tell = entry.created_by if newly else None
            name = entry.name
        if tell is not None:
            # Told once: the mark above is committed before the message, and only a new mark tells.
            text = (
                f"The channel of *{escape(name)}* (<#{channel_id}>) was archived, so the resource "
                "directory now shows the group as unavailable, without a Join button. Unarchive the "
                "channel, or edit or archive the entry in Kindred's App Home."
            )
            try:
                client.chat_postMessage(channel=tell, text=text)
            except SlackApiError as error:
                log.warning("could not tell HR about an archived channel: %s", error.response.get("error"))


def _is_archived(client: WebClient, channel_id: str) -> bool:
    try:
        return bool(client.conversations_info(channel=channel_id)["channel"].get("is_archived"))
    except SlackApiError as error:
        log.warning("could not look at a group channel: %s", error.response.get("error"))
        return False
