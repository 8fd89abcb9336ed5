"""The worker's resource jobs: forget anonymous questions that waited 30 days."""

from __future__ import annotations

import logging

from slackapp.resources.service import purge_expired_questions
from slackapp.scheduler.worker import JobContext

log = logging.getLogger(__name__)


def purge_expired_anonymous_questions(context: JobContext) -> None:
    """Periodic: delete questions (and so who asked them) 30 days after they were asked, answered or not."""
    with context.session_factory.begin() as session:
        purged = purge_expired_questions(session=session, now=context.now)
    if purged:
        log.info("forgot %d unanswered anonymous question(s)", purged)
