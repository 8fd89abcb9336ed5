"""The worker's check-in jobs: post invitations, move the participation count, remind, close, report.

Every job may run again after a crash, so each is idempotent: a channel post is looked up by its
message metadata before it is repeated (slackapp/posting.py), reminders are marked before they are sent
and unmarked only when Slack's history shows they did not arrive, closing checks state.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.exc import IntegrityError

from slackapp.actions.service import latest_action
from slackapp.checkins.ids import INVITATION_EVENT, REMINDER_EVENT, RESULTS_EVENT
from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.models import Round, RoundState
from slackapp.checkins.service import (
    PARTICIPATION_REFRESH,
    CheckinJob,
    close_round,
    coarse_participation,
    get_round,
    mark_invitation_posted,
    mark_reminded,
    open_due_rounds,
    participation_so_far,
    people_to_remind,
    round_results,
    unmark_reminded,
)
from slackapp.checkins.views import build_invitation, build_reminder, build_results
from slackapp.posting import post_once
from slackapp.scheduler.worker import JobContext, JobHandler

log = logging.getLogger(__name__)


def open_rounds_when_due(context: JobContext) -> None:
    """Periodic: open a round for every pulse whose time has come."""
    open_due_rounds(
        session_factory=context.session_factory,
        now=context.now,
        round_secrets=RoundSecrets(context.settings.require_secret_key()),
        workspace_is_active=context.is_installed,
    )


def post_invitation(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
    if round_.invitation_ts is not None or round_.state is RoundState.CLOSED:
        return None
    client = context.slack(round_.workspace_id)
    text, blocks = build_invitation(
        round_,
        shown_count=0,
        min_group_size=context.settings.min_group_size,
        last_action=_last_action(context, round_),
    )
    ts = post_once(
        client,
        channel=round_.channel_id,
        text=text,
        blocks=blocks,
        event_type=INVITATION_EVENT,
        key=str(round_id),
        may_have_posted=context.attempt > 1,
        since=round_.opens_at,
    )
    invited = _count_invited(context, client, round_)
    with context.session_factory.begin() as session:
        mark_invitation_posted(session=session, round_id=round_id, ts=ts, invited_count=invited)
    return None


def refresh_participation(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Move the invitation's count in coarse steps, only on this timer (docs/anonymity.md, rule 7)."""
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
        if round_.state is RoundState.CLOSED:
            return None
        shown = coarse_participation(participation_so_far(session=session, round_id=round_id))
    if round_.invitation_ts is None:
        return context.now + PARTICIPATION_REFRESH
    if shown != round_.shown_count:
        text, blocks = build_invitation(
            round_,
            shown_count=shown,
            min_group_size=context.settings.min_group_size,
            last_action=_last_action(context, round_),
        )
        context.slack(round_.workspace_id).chat_update(
            channel=round_.channel_id, ts=round_.invitation_ts, text=text, blocks=_dicts(blocks)
        )
        with context.session_factory.begin() as session:
            get_round(session=session, round_id=round_id).shown_count = shown
    return context.now + PARTICIPATION_REFRESH


def send_reminders(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """One DM to each member who has not answered; the ledger is the only way to know, and only this job asks.

    Each person is marked before the DM goes, so a crash can skip a reminder but never send two; a
    second worker that takes over a long run skips everyone the first has marked.
    """
    secrets = RoundSecrets(context.settings.require_secret_key())
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
    if round_.state is RoundState.CLOSED or round_.closes_at <= context.now:
        return None
    client = context.slack(round_.workspace_id)
    members = _channel_members(client, round_.channel_id)
    with context.session_factory() as session:
        pending = people_to_remind(session=session, round_=round_, member_ids=members, round_secrets=secrets)
    # Bots (Kindred itself among them), apps and deactivated accounts are skipped: one users.list sweep
    # per workspace tells them apart, not a users.info per person (slackapp/people.py).
    people = context.people.people_among(
        client, workspace_id=round_.workspace_id, user_ids=pending, now=context.now
    )
    text, blocks = build_reminder(round_)
    for user_id in people:
        try:
            with context.session_factory.begin() as session:
                mark_reminded(session=session, round_=round_, user_id=user_id, round_secrets=secrets)
        except IntegrityError:
            continue  # another worker took over this long job and reminded them already
        try:
            post_once(
                client,
                channel=user_id,
                text=text,
                blocks=blocks,
                event_type=REMINDER_EVENT,
                key=str(round_id),
            )
        except Exception as error:
            if isinstance(error, SlackApiError) and error.response.get("error") in UNREACHABLE_PEOPLE:
                continue
            # Not delivered, as far as Slack's history shows (post_once looks after an unsure failure):
            # unmark them so the job's retry reminds them after all.
            with context.session_factory.begin() as session:
                unmark_reminded(session=session, round_=round_, user_id=user_id, round_secrets=secrets)
            raise
    return None


def close_round_job(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    with context.session_factory.begin() as session:
        close_round(session=session, round_id=round_id, now=context.now)
    return None


def post_results(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Post the summary (or "too few answers") and retire the invitation's button."""
    min_group = context.settings.min_group_size
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
        results = round_results(session=session, round_id=round_id, min_group_size=min_group)
    client = context.slack(round_.workspace_id)
    if round_.invitation_ts is not None:
        text, blocks = build_invitation(round_, shown_count=0, min_group_size=min_group)
        client.chat_update(
            channel=round_.channel_id, ts=round_.invitation_ts, text=text, blocks=_dicts(blocks)
        )
    text, blocks = build_results(results, min_group_size=min_group)
    post_once(
        client,
        channel=round_.channel_id,
        text=text,
        blocks=blocks,
        event_type=RESULTS_EVENT,
        key=str(round_id),
        may_have_posted=context.attempt > 1,
        since=round_.closes_at - timedelta(minutes=5),
    )
    return None


JOB_HANDLERS: dict[str, JobHandler] = {
    CheckinJob.POST_INVITATION: post_invitation,
    CheckinJob.REFRESH_PARTICIPATION: refresh_participation,
    CheckinJob.SEND_REMINDERS: send_reminders,
    CheckinJob.CLOSE_ROUND: close_round_job,
    CheckinJob.POST_RESULTS: post_results,
}


def _last_action(context: JobContext, round_: Round) -> str | None:
    """What the team's manager said would change after an earlier round ("you said, we did")."""
    with context.session_factory() as session:
        note = latest_action(session=session, workspace_id=round_.workspace_id, channel_id=round_.channel_id)
    return note.body if note is not None and note.written_at < round_.opens_at else None


# -- Slack helpers -------------------------------------------------------------------------------------


def _channel_members(client: WebClient, channel_id: str) -> list[str]:
    members: list[str] = []
    for page in client.conversations_members(channel=channel_id, limit=200):
        members.extend(page.get("members", []))
    return members


def _count_invited(context: JobContext, client: WebClient, round_: Round) -> int | None:
    """The channel's people: not Kindred, other bots, apps or deactivated accounts (the sweep the reminders
    use tells them apart). None if Slack won't say: the count is only for participation rates."""
    try:
        members = _channel_members(client, round_.channel_id)
        people = context.people.people_among(
            client, workspace_id=round_.workspace_id, user_ids=members, now=context.now
        )
    except SlackApiError as error:
        log.warning("could not count channel members: %s", error.response.get("error"))
        return None
    return len(people)


# Errors that mean a person cannot get a DM at all; anything else is worth a retry.
UNREACHABLE_PEOPLE = {
    "user_not_found",
    "cannot_dm_bot",
    "user_disabled",
    "account_inactive",
    "channel_not_found",
}


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]
