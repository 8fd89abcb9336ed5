"""The worker's check-in jobs: post invitations, remind, close, report.

Every job may run again after a crash, so each is idempotent: a post is recorded (its ts) as soon as Slack
answers and the record is checked before posting (slackapp/slack/posting.py), invitees are recorded once,
closing checks state.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from slackapp.actions.service import latest_action
from slackapp.checkins.ids import INVITATION_EVENT, REMINDER_EVENT, RESULTS_EVENT
from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.models import Round, RoundState
from slackapp.checkins.service import (
    CheckinJob,
    RoundNotOpen,
    close_round,
    get_round,
    invite_people,
    mark_invitation_posted,
    mark_reminder_posted,
    mark_results_posted,
    open_due_rounds,
    remove_erased_rows,
    results_from_cell,
)
from slackapp.checkins.views import build_invitation, build_reminder, build_results
from slackapp.privacy.gate import published_team_cell
from slackapp.scheduler.worker import JobContext, JobHandler
from slackapp.slack.posting import post_once

# How long a reminder due before its invitation is posted waits before looking again.
REMINDER_WAIT = timedelta(minutes=5)


def open_rounds_when_due(context: JobContext) -> None:
    """Periodic: open a round for every pulse whose time has come."""
    open_due_rounds(
        session_factory=context.session_factory,
        now=context.now,
        round_secrets=RoundSecrets(context.settings.require_secret_key()),
        workspace_is_active=context.is_installed,
    )


def post_invitation(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Record who the round is for, then post the invitation in the channel, once.

    The invitees come first: until they are recorded nobody can answer, so nobody can press the button
    before the round knows who it is for. They are recorded once (a retried job keeps them) and the
    invitation is posted once (a retried job finds its ts).
    """
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
    if round_.state is RoundState.CLOSED or round_.closes_at <= context.now:
        return None  # no invitation to a round whose time is over (a worker back after days away)
    client = context.slack(round_.workspace_id)
    if round_.invited_count is None and not _invite_channel_people(context, client, round_):
        return None  # closed while its people were being recorded
    if round_.invitation_ts is not None:
        return None  # posted already (an invitation job queued again only to record the invitees)
    text, blocks = build_invitation(
        round_,
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
    )
    with context.session_factory.begin() as session:
        mark_invitation_posted(session=session, round_id=round_id, ts=ts)
    return None


def refresh_participation(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Nothing: a job queued before the invitation stopped showing a live count finishes quietly.

    The count ("5+ people have checked in so far") said a team had at least five answers; beside a
    department's published total and its other teams, that narrowed a hidden team's count below the
    minimum group size (docs/anonymity.md rule 4). No number about an open round is shown anywhere.
    """
    del context, round_id
    return None


def send_reminder(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """One reminder per round, in the channel, for everyone alike (docs/anonymity.md rule 6).

    A DM to those who have not answered would be a list of them in Slack's stored history, which a
    workspace owner reads with an export, the Discovery API or a DLP tool. One channel message leaves the
    same trace for everyone, costs one call per round instead of one per person, and asks nothing of the
    ledger. (Ephemeral messages to each member would also leave no trace, but one call per person, and
    Slack shows them only to someone looking at the channel when they arrive.)
    """
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
    if round_.state is RoundState.CLOSED or round_.closes_at <= context.now or round_.reminder_ts is not None:
        return None
    if round_.invitation_ts is None:
        return context.now + REMINDER_WAIT  # the invitation comes first; it is still on its way
    text, blocks = build_reminder(round_)
    ts = post_once(
        context.slack(round_.workspace_id),
        channel=round_.channel_id,
        text=text,
        blocks=blocks,
        event_type=REMINDER_EVENT,
        key=str(round_id),
    )
    with context.session_factory.begin() as session:
        mark_reminder_posted(session=session, round_id=round_id, ts=ts)
    return None


def close_round_job(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Close the round, then remove its erased rows from the table files too (vacuum, once committed)."""
    with context.session_factory.begin() as session:
        close_round(session=session, round_id=round_id, now=context.now)
    remove_erased_rows(session_factory=context.session_factory)
    return None


def retire_invitation(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """At close: the invitation's button goes (its results are posted once its period is published)."""
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
    if round_.invitation_ts is not None:
        client = context.slack(round_.workspace_id)
        text, blocks = build_invitation(round_, min_group_size=context.settings.min_group_size)
        client.chat_update(
            channel=round_.channel_id, ts=round_.invitation_ts, text=text, blocks=_dicts(blocks)
        )
    return None


def post_results(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """After the round's period is published: the team's published cell, or why it is not shown.

    Queued by the publication (slackapp/privacy/jobs.py) for each round it counted; the post shows only
    that team's cell as leaders see it on the dashboard, never more.
    """
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
        cell = published_team_cell(session=session, round_id=round_id)
    if cell is None:
        return None  # not counted in a publication (a later round of the team replaced it)
    if round_.results_ts is not None:
        return None  # posted already: a job run again after its post went through posts nothing
    results = results_from_cell(
        round_,
        respondents=cell.respondents,
        invited=cell.invited,
        means={key: figures.mean for key, figures in cell.questions.items()},
        reason=cell.reason,
    )
    text, blocks = build_results(results)
    ts = post_once(
        context.slack(round_.workspace_id),
        channel=round_.channel_id,
        text=text,
        blocks=blocks,
        event_type=RESULTS_EVENT,
        key=str(round_id),
    )
    with context.session_factory.begin() as session:
        mark_results_posted(session=session, round_id=round_id, ts=ts)
    return None


JOB_HANDLERS: dict[str, JobHandler] = {
    CheckinJob.POST_INVITATION: post_invitation,
    CheckinJob.REFRESH_PARTICIPATION: refresh_participation,
    CheckinJob.SEND_REMINDERS: send_reminder,
    CheckinJob.CLOSE_ROUND: close_round_job,
    CheckinJob.RETIRE_INVITATION: retire_invitation,
    CheckinJob.POST_RESULTS: post_results,
}


def _last_action(context: JobContext, round_: Round) -> str | None:
    """What the team's manager said would change after an earlier round ("you said, we did")."""
    with context.session_factory() as session:
        note = latest_action(session=session, workspace_id=round_.workspace_id, channel_id=round_.channel_id)
    return note.summary if note is not None and note.written_at < round_.opens_at else None


# -- Slack helpers -------------------------------------------------------------------------------------


def _channel_members(client: WebClient, channel_id: str) -> list[str]:
    members: list[str] = []
    for page in client.conversations_members(channel=channel_id, limit=200):
        members.extend(page.get("members", []))
    return members


def _invite_channel_people(context: JobContext, client: WebClient, round_: Round) -> bool:
    """Record the channel's people as the round's invitees: not Kindred, other bots, apps or deactivated
    accounts (one users.list sweep per workspace tells them apart, slackapp/slack/people.py).

    If Slack won't say who is in the channel, this raises and the job is retried: the round cannot take
    answers, or be announced, before it knows who it is for.

    Returns:
        False if the round has closed, so it is for nobody and is not announced.
    """
    members = _channel_members(client, round_.channel_id)
    people = context.people.people_among(
        client, workspace_id=round_.workspace_id, user_ids=members, now=context.now
    )
    secrets = RoundSecrets(context.settings.require_secret_key())
    with context.session_factory.begin() as session:
        stored = get_round(session=session, round_id=round_.id)
        if stored.state is RoundState.CLOSED:
            return False
        if stored.invited_count is None:
            try:
                invite_people(session=session, round_=stored, user_ids=people, round_secrets=secrets)
            except RoundNotOpen:
                return False  # closed since it was read: nothing was written
        round_.invited_count = stored.invited_count
    return True


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]
