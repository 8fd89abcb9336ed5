"""The worker's resource jobs: forget anonymous questions that waited 30 days; count group members daily."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select

from slackapp.resources.models import ResourceEntry
from slackapp.resources.service import purge_expired_questions
from slackapp.resources.stats import count_channel_members
from slackapp.scheduler.worker import JobContext

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
        count = count_channel_members(client, str(channel_id), bot_user_id=client.auth_test().get("user_id"))
        with context.session_factory.begin() as session:
            entry = session.get(ResourceEntry, entry_id)
            if entry is not None:
                entry.member_count, entry.members_counted_at = count, context.now
