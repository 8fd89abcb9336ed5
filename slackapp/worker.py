"""The worker factory: every feature's clock-driven work, wired to settings, database and Slack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slackapp.checkins import jobs as checkin_jobs
from slackapp.database import SessionFactory, utcnow
from slackapp.digests import jobs as digest_jobs
from slackapp.installations.clients import workspace_clients
from slackapp.logs import pin_slack_loggers
from slackapp.pacing import DatabaseSlots, RatePacer
from slackapp.pairing import jobs as pairing_jobs
from slackapp.privacy import jobs as privacy_jobs
from slackapp.resources import jobs as resource_jobs
from slackapp.scheduler.worker import Worker
from slackapp.settings import Settings
from slackapp.slack_client import SlackClients


def create_worker(
    settings: Settings,
    session_factory: SessionFactory,
    slack: SlackClients | None = None,
    clock: Callable[[], datetime] = utcnow,
    pacer: RatePacer | None = None,
) -> Worker:
    settings.require_secret_key()
    # slack_sdk logs request and response bodies at DEBUG, and a token refresh's hold tokens and the
    # client secret: held at WARNING here too, not only where `kindred` configures logging.
    pin_slack_loggers()
    engine = session_factory.kw["bind"]
    # The method tiers' budgets live in the database, so several worker processes share one budget
    # per workspace instead of each spending Slack's whole limit.
    clients, installed = workspace_clients(settings, engine, pacer or RatePacer(shared=DatabaseSlots(engine)))
    return Worker(
        settings=settings,
        session_factory=session_factory,
        slack=slack or clients,
        is_installed=installed,
        handlers={**checkin_jobs.JOB_HANDLERS, **pairing_jobs.JOB_HANDLERS, **privacy_jobs.JOB_HANDLERS},
        periodic=[
            checkin_jobs.open_rounds_when_due,
            resource_jobs.purge_expired_anonymous_questions,
            resource_jobs.count_group_members,
        ]
        + [pairing_jobs.start_rounds_when_due, digest_jobs.send_digests_when_due],
        clock=clock,
    )
