"""The worker's publish job: one recurring job per workspace publishes each completed period, once.

The job is claimed from the queue under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and the
publication itself locks the workspace's schedule row, so two workers never publish a period twice.
After a publication, each counted round's results post is queued: it shows that team's published cell.
Once it has committed, what the publication deleted is removed from the table files too.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from slackapp.checkins.service import CheckinJob, remove_erased_rows
from slackapp.errors import NotFound
from slackapp.privacy.models import PublicationSchedule, PublishedRound
from slackapp.privacy.publish import ERASED_AT_PUBLICATION, PUBLISH_JOB, publish_due_periods
from slackapp.scheduler.queue import enqueue
from slackapp.scheduler.worker import JobContext, JobHandler

# Periods published per run: a first deploy's two years of weeks go in short transactions, each well
# inside the job's lease, and the job comes straight back for the rest.
BATCH = 8


def publish_periods(context: JobContext, schedule_id: uuid.UUID) -> datetime | None:
    """Publish what has completed, remove what it took from the files; come back when the next period may
    complete."""
    with context.session_factory.begin() as session:
        workspace_id = session.scalar(
            select(PublicationSchedule.workspace_id).where(PublicationSchedule.id == schedule_id)
        )
        if workspace_id is None:
            raise NotFound("That workspace's data was deleted.")
        outcome = publish_due_periods(
            session=session,
            workspace_id=workspace_id,
            now=context.now,
            min_group_size=context.settings.min_group_size,
            min_comment_group_size=context.settings.min_comment_group_size,
            limit=BATCH,
        )
        for publication in outcome.published:
            for round_id in session.scalars(
                select(PublishedRound.round_id).where(
                    PublishedRound.publication_id == publication.id, PublishedRound.counted.is_(True)
                )
            ):
                enqueue(
                    session=session, kind=CheckinJob.POST_RESULTS, subject_id=round_id, due_at=context.now
                )
    if outcome.published:
        # The histograms, counts and comments the publications deleted (rule 3), as the close job does.
        remove_erased_rows(session_factory=context.session_factory, models=ERASED_AT_PUBLICATION)
    return outcome.next_check


JOB_HANDLERS: dict[str, JobHandler] = {PUBLISH_JOB: publish_periods}
