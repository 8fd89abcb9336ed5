"""The worker's digest run: after a week's results are complete, one DM per manager, once."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from slackapp.digests.service import (
    build_digest,
    claim_digest,
    completed_week,
    managers,
    release_digest,
    workspaces_with_rounds,
)
from slackapp.digests.views import build_digest_message
from slackapp.posting import post_once
from slackapp.privacy.gate import PrivacyRules
from slackapp.privacy.scope import viewer_for
from slackapp.scheduler.worker import JobContext

log = logging.getLogger(__name__)
DIGEST_EVENT = "kindred_results_digest"
# A person who cannot get a DM at all keeps their claim: trying again would fail again.
UNREACHABLE = {"user_not_found", "cannot_dm_bot", "user_disabled", "channel_not_found"}


def send_digests_when_due(context: JobContext) -> None:
    """Periodic: for each workspace whose latest week just completed, DM each manager their headline."""
    rules = PrivacyRules(
        min_group_size=context.settings.min_group_size,
        min_comment_group_size=context.settings.min_comment_group_size,
    )
    with context.session_factory() as session:
        workspaces = workspaces_with_rounds(session=session)
    for workspace_id in workspaces:
        if not context.is_installed(workspace_id):
            continue
        with context.session_factory() as session:
            week = completed_week(session=session, workspace_id=workspace_id, now=context.now)
            people = managers(session=session, workspace_id=workspace_id) if week else []
        if week is None:
            continue
        for user_id in people:
            with context.session_factory.begin() as session:
                if not claim_digest(
                    session=session, workspace_id=workspace_id, week=week, user_id=user_id, now=context.now
                ):
                    continue
            with context.session_factory() as session:
                # Scope as the dashboard sees it: a manager is never an admin here (admins are not managers
                # by assignment), and what they lead is read from the database now.
                viewer = viewer_for(
                    session=session, workspace_id=workspace_id, user_id=user_id, workspace_admin=False
                )
                digest = build_digest(session=session, viewer=viewer, rules=rules, week=week)
            if digest is None:
                continue
            text, blocks = build_digest_message(digest, context.settings.dashboard_url)
            try:
                # Found again by its metadata if Slack fails after posting: never two digests.
                post_once(
                    context.slack(workspace_id),
                    channel=user_id,
                    text=text,
                    blocks=blocks,
                    event_type=DIGEST_EVENT,
                    key=week.isoformat(),
                )
            except (SlackApiError, OSError) as error:
                if isinstance(error, SlackApiError) and error.response.get("error") in UNREACHABLE:
                    continue
                # Not delivered, as far as Slack's history shows: give the claim back for the next run.
                with context.session_factory.begin() as session:
                    release_digest(session=session, workspace_id=workspace_id, week=week, user_id=user_id)
                raise
