"""The worker's pairing jobs: announce, match a round, introduce each group, nudge, follow up, close.

Each job may run again after a crash, and two workers may run at once: rounds are created once per slot,
matched once (under a lock and a state check), each group is introduced by its own job that records the
introduction's ts as soon as Slack answers, and nudges and follow-ups are marked before they are sent.
No conversation is ever read (slackapp/slack/posting.py): after a rare unsure failure a message may
come twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from slackapp.org.service import OrgStructure, load_org
from slackapp.pairing.ids import (
    ANNOUNCEMENT_EVENT,
    FOLLOW_UP_EVENT,
    INTRODUCTION_EVENT,
    NUDGE_EVENT,
    PAUSE_EVENT,
)
from slackapp.pairing.models import Programme, RoundState
from slackapp.pairing.service import (
    Directory,
    PairingJob,
    claim_follow_up,
    claim_nudge,
    close_round,
    earlier_open_rounds,
    get_round,
    group_details,
    introduced_groups,
    make_groups,
    mark_announced,
    mark_introduced,
    start_due_rounds,
)
from slackapp.pairing.views import (
    build_announcement,
    build_follow_up,
    build_introduction,
    build_nudge,
    build_silence_pause,
)
from slackapp.scheduler.worker import JobContext, JobHandler
from slackapp.slack.posting import post_once

log = logging.getLogger(__name__)


def start_rounds_when_due(context: JobContext) -> None:
    """Periodic: create a round for every programme whose time has come."""
    start_due_rounds(session_factory=context.session_factory, now=context.now)


def announce(context: JobContext, programme_id: uuid.UUID) -> datetime | None:
    """Post the programme's opt-in message in its channel, once."""
    with context.session_factory() as session:
        programme = session.get(Programme, programme_id)
    if programme is None or programme.announcement_ts is not None:
        return None
    text, blocks = build_announcement(programme)
    ts = post_once(
        context.slack(programme.workspace_id),
        channel=programme.channel_id,
        text=text,
        blocks=blocks,
        event_type=ANNOUNCEMENT_EVENT,
        key=str(programme_id),
    )
    with context.session_factory.begin() as session:
        mark_announced(session=session, programme_id=programme_id, ts=ts)
    return None


def match_round(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Make the round's groups from who is in the channel and opted in, with the org's teams and managers."""
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
        if round_.state is not RoundState.MATCHING:
            return None
        programme = session.get(Programme, round_.programme_id)
        if programme is None:
            return None
        org = load_org(session=session, workspace_id=round_.workspace_id)
    # A round still open from a late worker closes first, so its silence counts before matching.
    with context.session_factory() as session:
        earlier = earlier_open_rounds(session=session, round_id=round_id)
    for earlier_id in earlier:
        close(context, earlier_id)
    client = context.slack(round_.workspace_id)
    in_channel = set(channel_members(client, programme.channel_id))
    directory = directory_from(client, org)
    with context.session_factory.begin() as session:
        make_groups(
            session=session,
            round_id=round_id,
            directory=directory,
            channel_members=in_channel,
            now=context.now,
        )
    return None


def introduce(context: JobContext, group_id: uuid.UUID) -> datetime | None:
    """Open the group DM and post the introduction, once."""
    with context.session_factory() as session:
        details = group_details(session=session, group_id=group_id)
    if details.group.introduced_at is not None or len(details.members) < 2:
        return None  # done already, or someone has since left peer support
    client = context.slack(details.group.workspace_id)
    opened = client.conversations_open(users=",".join(details.members))
    conversation_id = str(opened["channel"]["id"])
    text, blocks = build_introduction(
        group_id=str(group_id),
        members=details.members,
        profiles=details.profiles,
        channel_id=details.channel_id,
    )
    ts = post_once(
        client,
        channel=conversation_id,
        text=text,
        blocks=blocks,
        event_type=INTRODUCTION_EVENT,
        key=str(group_id),
    )
    with context.session_factory.begin() as session:
        mark_introduced(
            session=session, group_id=group_id, conversation_id=conversation_id, ts=ts, now=context.now
        )
    return None


def nudge(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Midway: a gentle nudge to groups not yet marked met."""
    _to_each_unmet_group(context, round_id, claim=claim_nudge, build=build_nudge, event_type=NUDGE_EVENT)
    return None


def follow_up(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Near the end: ask how it went (met, not yet, couldn't meet), unless they said they met."""
    _to_each_unmet_group(
        context, round_id, claim=claim_follow_up, build=build_follow_up, event_type=FOLLOW_UP_EVENT
    )
    return None


class _Claim(Protocol):
    def __call__(self, *, session: Session, group_id: uuid.UUID, now: datetime) -> bool: ...


def _to_each_unmet_group(
    context: JobContext,
    round_id: uuid.UUID,
    *,
    claim: _Claim,
    build: Callable[[str], tuple[str, list[Block]]],
    event_type: str,
) -> None:
    """One message to every introduced group of the round not yet marked met, each claimed before it goes.

    Args:
        claim: marks the group as sent this message; False when it already was (another worker, a rerun).
        build: the message for a group, from its id.
    """
    with context.session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
        groups = introduced_groups(session=session, round_id=round_id, unmet_only=True)
    client = context.slack(round_.workspace_id)
    for group in groups:
        with context.session_factory.begin() as session:
            if not claim(session=session, group_id=group.id, now=context.now):
                continue
        text, blocks = build(str(group.id))
        _post(client, str(group.conversation_id), text, blocks, event_type, str(group.id))


def close(context: JobContext, round_id: uuid.UUID) -> datetime | None:
    """Count silence; tell anyone paused for it, kindly, with a way back."""
    with context.session_factory.begin() as session:
        workspace_id = get_round(session=session, round_id=round_id).workspace_id
        paused = close_round(session=session, round_id=round_id)
    client = context.slack(workspace_id)
    text, blocks = build_silence_pause()
    for user_id in paused:
        _post(client, user_id, text, blocks, PAUSE_EVENT, str(round_id))
    return None


JOB_HANDLERS: dict[str, JobHandler] = {
    PairingJob.ANNOUNCE: announce,
    PairingJob.MATCH_ROUND: match_round,
    PairingJob.INTRODUCE: introduce,
    PairingJob.NUDGE: nudge,
    PairingJob.FOLLOW_UP: follow_up,
    PairingJob.CLOSE_ROUND: close,
}


# -- Slack helpers -------------------------------------------------------------------------------------


def channel_members(client: WebClient, channel_id: str) -> list[str]:
    members: list[str] = []
    for page in client.conversations_members(channel=channel_id, limit=1000):
        members.extend(page.get("members", []))
    return members


def directory_from(client: WebClient, org: OrgStructure) -> Directory:
    """People's teams (the team channels they are in) and reporting lines (team and department managers)."""
    teams: dict[str, str] = {}
    lines: dict[str, set[str]] = {}
    for channel_id in sorted(org.teams):
        try:
            members = channel_members(client, channel_id)
        except SlackApiError as error:
            log.warning("could not list a team channel: %s", error.response.get("error"))
            continue
        department = org.teams[channel_id].department_id
        above = set(org.managers_of_team(channel_id))
        if department is not None:
            above.update(org.managers_of_department(department))
        for member in members:
            teams.setdefault(member, channel_id)
            lines.setdefault(member, set()).update(above - {member})
    return Directory(teams=teams, reporting_lines={u: frozenset(v) for u, v in lines.items()})


def _post(
    client: WebClient,
    channel: str,
    text: str,
    blocks: list[Block],
    event_type: str,
    key: str,
) -> None:
    """Post a nudge, follow-up or pause note, claimed before it goes (a crash may skip one, never send two).

    A passing failure is tried again (a rare unsure one may then arrive twice: no conversation is read);
    one that surely did not arrive is logged, and the rest still get theirs.
    """
    try:
        post_once(
            client,
            channel=channel,
            text=text,
            blocks=blocks,
            event_type=event_type,
            key=key,
        )
    except SlackApiError as error:
        # A closed DM or a deactivated person: nothing to retry, and the rest still get theirs.
        log.warning("pairing message not delivered: %s", error.response.get("error"))
