"""Peer-support pairing without Slack: programmes, preferences, rounds, groups and how they went.

Rounds are safe to run twice at once: a round's slot is unique per programme, its groups are made under
a lock on the round row and only while it is still `matching`, and each group is introduced by its own
job (the job queue hands a job to one worker at a time).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from slackapp.cadence.schedule import (
    Cadence,
    first_slot_of,
    schedule_errors,
    slot_after_of,
)
from slackapp.database import SessionFactory
from slackapp.errors import InvalidInput, NotFound
from slackapp.pairing.matching import History, Matching, Person, match
from slackapp.pairing.models import (
    Group,
    GroupMember,
    Membership,
    Outcome,
    PairingRound,
    Profile,
    Programme,
    RoundState,
)
from slackapp.scheduler.queue import enqueue
from slackapp.support import SupportKind

DEFAULT_REPEAT_WINDOW = 6
REPEAT_WINDOW_CHOICES = range(1, 13)
TOPICS_MAX_LENGTH = 300
AVOID_MAX = 50
CLOSE_BEFORE_NEXT = timedelta(hours=2)
UNANSWERED_LIMIT = 3  # introductions in a row without a word before someone is paused, kindly
PROGRAMME_GONE = "That peer-support programme no longer exists."


class PairingJob(StrEnum):
    ANNOUNCE = "pairing.announce"
    MATCH_ROUND = "pairing.match_round"
    INTRODUCE = "pairing.introduce"
    NUDGE = "pairing.nudge"
    FOLLOW_UP = "pairing.follow_up"
    CLOSE_ROUND = "pairing.close_round"


# -- programmes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeSpec:
    """What HR chooses for a programme. Field names double as the form's block ids."""

    channel_id: str
    cadence: Cadence
    weekday: int
    local_time: str
    timezone: str
    repeat_window: int = DEFAULT_REPEAT_WINDOW
    prefer_cross_team: bool = True


def check_programme_spec(spec: ProgrammeSpec) -> dict[str, str]:
    """Everything wrong with a programme spec, by field, in plain words (empty when it is fine)."""
    errors: dict[str, str] = {}
    if not spec.channel_id:
        errors["channel_id"] = "Choose the channel whose members may join."
    errors |= schedule_errors(
        weekday=spec.weekday, local_time=spec.local_time, timezone=spec.timezone, example_time="10:00"
    )
    if spec.repeat_window not in REPEAT_WINDOW_CHOICES:
        errors["repeat_window"] = (
            f"Choose between {REPEAT_WINDOW_CHOICES.start} and {REPEAT_WINDOW_CHOICES.stop - 1} rounds."
        )
    return errors


def list_programmes(*, session: Session, workspace_id: str) -> list[Programme]:
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.workspace_id == workspace_id)
            .order_by(Programme.created_at, Programme.id)
        )
    )


def get_programme(*, session: Session, workspace_id: str, programme_id: uuid.UUID) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None or programme.workspace_id != workspace_id:
        raise NotFound(PROGRAMME_GONE)
    return programme


def create_programme(
    *, session: Session, workspace_id: str, spec: ProgrammeSpec, created_by: str, now: datetime
) -> Programme:
    """Create a programme, schedule its first round and its announcement in the channel.

    Raises:
        InvalidInput: the spec is invalid, or the channel already has a programme.
    """
    errors = check_programme_spec(spec)
    if not errors and _programme_in_channel(session, workspace_id, spec.channel_id) is not None:
        errors["channel_id"] = "That channel already has a peer-support programme: edit that one instead."
    if errors:
        raise InvalidInput(errors)
    programme = Programme(workspace_id=workspace_id, created_by=created_by, created_at=now, paused=False)
    _apply_spec(programme, spec, now)
    session.add(programme)
    session.flush()
    enqueue(session=session, kind=PairingJob.ANNOUNCE, subject_id=programme.id, due_at=now)
    return programme


def update_programme(
    *, session: Session, workspace_id: str, programme_id: uuid.UUID, spec: ProgrammeSpec, now: datetime
) -> Programme:
    programme = get_programme(session=session, workspace_id=workspace_id, programme_id=programme_id)
    errors = check_programme_spec(spec)
    other = _programme_in_channel(session, workspace_id, spec.channel_id)
    if not errors and other is not None and other.id != programme.id:
        errors["channel_id"] = "That channel already has a peer-support programme."
    if not errors and spec.channel_id != programme.channel_id:
        errors["channel_id"] = "A programme stays in its channel: make a new programme for another channel."
    if errors:
        raise InvalidInput(errors)
    _apply_spec(programme, spec, now)
    return programme


def set_programme_paused(
    *, session: Session, workspace_id: str, programme_id: uuid.UUID, paused: bool, now: datetime
) -> Programme:
    programme = get_programme(session=session, workspace_id=workspace_id, programme_id=programme_id)
    programme.paused = paused
    programme.next_round_at = None if paused else first_slot_of(programme, after=now)
    return programme


def delete_programme(*, session: Session, workspace_id: str, programme_id: uuid.UUID) -> None:
    """Delete a programme with its memberships, rounds and groups."""
    session.delete(get_programme(session=session, workspace_id=workspace_id, programme_id=programme_id))


def mark_announced(*, session: Session, programme_id: uuid.UUID, ts: str) -> None:
    programme = session.get(Programme, programme_id)
    if programme is not None:
        programme.announcement_ts = ts


def member_counts(*, session: Session, workspace_id: str) -> dict[uuid.UUID, int]:
    """How many people have opted in to each programme (shown to HR in steps, never as names)."""
    rows = session.execute(
        select(Membership.programme_id, func.count())
        .where(Membership.workspace_id == workspace_id)
        .group_by(Membership.programme_id)
    )
    return {row[0]: row[1] for row in rows}


def _programme_in_channel(session: Session, workspace_id: str, channel_id: str) -> Programme | None:
    return session.scalar(
        select(Programme).where(Programme.workspace_id == workspace_id, Programme.channel_id == channel_id)
    )


def _apply_spec(programme: Programme, spec: ProgrammeSpec, now: datetime) -> None:
    programme.channel_id = spec.channel_id
    programme.cadence = spec.cadence
    programme.weekday = spec.weekday
    programme.local_time = spec.local_time
    programme.timezone = spec.timezone
    programme.repeat_window = spec.repeat_window
    programme.prefer_cross_team = spec.prefer_cross_team
    programme.next_round_at = None if programme.paused else first_slot_of(programme, after=now)


# -- people -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    """What a person tells Kindred. Field names double as the preferences form's block ids."""

    seeks: frozenset[SupportKind] = frozenset()
    offers: frozenset[SupportKind] = frozenset()
    topics: str | None = None
    avoid: frozenset[str] = frozenset()
    paused_until: date | None = None
    skip_next_round: bool = False


def check_preferences(
    preferences: Preferences, *, user_id: str, joining: bool, today: date
) -> dict[str, str]:
    """Everything wrong with someone's preferences, by field, in plain words."""
    errors: dict[str, str] = {}
    if joining and not (preferences.seeks or preferences.offers):
        errors["seeks"] = "Choose at least one kind of support you'd welcome or could offer."
    if preferences.topics and len(preferences.topics) > TOPICS_MAX_LENGTH:
        errors["topics"] = f"Please keep topics under {TOPICS_MAX_LENGTH} characters."
    if user_id in preferences.avoid:
        errors["avoid"] = "You won't be paired with yourself: no need to list yourself."
    elif len(preferences.avoid) > AVOID_MAX:
        errors["avoid"] = f"You can list up to {AVOID_MAX} people."
    if preferences.paused_until is not None and preferences.paused_until <= today:
        errors["paused_until"] = "Choose a date after today, or leave it empty."
    return errors


def get_profile(*, session: Session, workspace_id: str, user_id: str) -> Profile | None:
    return session.get(Profile, (workspace_id, user_id))


def memberships_of(*, session: Session, workspace_id: str, user_id: str) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(Membership.programme_id).where(
                Membership.workspace_id == workspace_id, Membership.user_id == user_id
            )
        )
    )


def save_preferences(
    *,
    session: Session,
    workspace_id: str,
    user_id: str,
    preferences: Preferences,
    programme_ids: Collection[uuid.UUID],
    now: datetime,
    today: date,
) -> Profile:
    """Store someone's preferences and which programmes they have opted in to.

    Saving is a sign of life, so someone paused after unanswered introductions is back in.

    Raises:
        InvalidInput: by field, in plain words; nothing is changed.
    """
    errors = check_preferences(preferences, user_id=user_id, joining=bool(programme_ids), today=today)
    known = {p.id for p in list_programmes(session=session, workspace_id=workspace_id)}
    if set(programme_ids) - known:
        errors["programmes"] = PROGRAMME_GONE
    if errors:
        raise InvalidInput(errors)
    profile = get_profile(session=session, workspace_id=workspace_id, user_id=user_id)
    if profile is None:
        profile = Profile(workspace_id=workspace_id, user_id=user_id, unanswered_in_a_row=0)
        session.add(profile)
    profile.seeks = sorted(kind.value for kind in preferences.seeks)
    profile.offers = sorted(kind.value for kind in preferences.offers)
    profile.topics = (preferences.topics or "").strip() or None
    profile.avoid = sorted(preferences.avoid)
    profile.paused_until = preferences.paused_until
    profile.skip_next_round = preferences.skip_next_round
    profile.paused_for_silence = False
    profile.unanswered_in_a_row = 0
    profile.updated_at = now
    current = memberships_of(session=session, workspace_id=workspace_id, user_id=user_id)
    for programme_id in set(programme_ids) - current:
        session.add(
            Membership(programme_id=programme_id, user_id=user_id, workspace_id=workspace_id, joined_at=now)
        )
    if current - set(programme_ids):
        session.execute(
            delete(Membership).where(
                Membership.user_id == user_id,
                Membership.programme_id.in_(current - set(programme_ids)),
            )
        )
    session.flush()
    return profile


def come_back(*, session: Session, workspace_id: str, user_id: str, now: datetime) -> bool:
    """One click after a pause for silence: matched again from the next round. False if nothing held."""
    profile = get_profile(session=session, workspace_id=workspace_id, user_id=user_id)
    if profile is None:
        return False
    profile.paused_for_silence = False
    profile.unanswered_in_a_row = 0
    profile.updated_at = now
    return True


def leave(*, session: Session, workspace_id: str, user_id: str) -> None:
    """Leave peer support: delete their preferences, their private list, memberships and pairing history."""
    session.execute(delete(Profile).where(Profile.workspace_id == workspace_id, Profile.user_id == user_id))
    session.execute(
        delete(Membership).where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
    )
    their_groups = select(Group.id).where(Group.workspace_id == workspace_id)
    session.execute(
        delete(GroupMember).where(GroupMember.user_id == user_id, GroupMember.group_id.in_(their_groups))
    )


@dataclass(frozen=True)
class PastGroup:
    slot: datetime
    channel_id: str
    partners: tuple[str, ...]
    outcome: Outcome | None


@dataclass(frozen=True)
class HeldData:
    """Everything Kindred holds about one person's pairing, for them to see."""

    profile: Profile | None
    programme_channels: tuple[str, ...]
    history: tuple[PastGroup, ...] = field(default_factory=tuple)


def what_we_hold(*, session: Session, workspace_id: str, user_id: str) -> HeldData:
    profile = get_profile(session=session, workspace_id=workspace_id, user_id=user_id)
    channels = tuple(
        session.scalars(
            select(Programme.channel_id)
            .join(Membership, Membership.programme_id == Programme.id)
            .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
            .order_by(Programme.channel_id)
        )
    )
    mine = aliased(GroupMember)
    rows = session.execute(
        select(Group.id, PairingRound.slot, Programme.channel_id, Group.outcome)
        .join(mine, mine.group_id == Group.id)
        .join(PairingRound, PairingRound.id == Group.round_id)
        .join(Programme, Programme.id == PairingRound.programme_id)
        .where(mine.user_id == user_id, Group.workspace_id == workspace_id)
        .order_by(PairingRound.slot.desc())
    ).all()
    partners = _members_by_group(session, [row[0] for row in rows])
    history = tuple(
        PastGroup(slot, channel, tuple(m for m in partners.get(group_id, []) if m != user_id), outcome)
        for group_id, slot, channel, outcome in rows
    )
    return HeldData(profile, channels, history)


def _members_by_group(session: Session, group_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    ids = list(group_ids)
    found: dict[uuid.UUID, list[str]] = {}
    for start in range(0, len(ids), 500):
        for group_id, user_id in session.execute(
            select(GroupMember.group_id, GroupMember.user_id)
            .where(GroupMember.group_id.in_(ids[start : start + 500]))
            .order_by(GroupMember.user_id)
        ):
            found.setdefault(group_id, []).append(user_id)
    return found


# -- rounds -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Directory:
    """What the org set-up says about people, where it exists: their team, and who is above them."""

    teams: Mapping[str, str] = field(default_factory=dict)
    reporting_lines: Mapping[str, frozenset[str]] = field(default_factory=dict)


def start_due_rounds(*, session_factory: SessionFactory, now: datetime) -> int:
    """Create a round for every active programme whose time has come; its groups are made by a job.

    Returns:
        How many rounds this call created. Two workers at once create each slot once: the programme row
        is locked (`SKIP LOCKED`) and a slot is unique per programme.
    """
    with session_factory() as session:
        due = list(
            session.scalars(
                select(Programme.id).where(
                    Programme.paused.is_(False),
                    Programme.next_round_at.is_not(None),
                    Programme.next_round_at <= now,
                )
            )
        )
    started = 0
    for programme_id in due:
        try:
            with session_factory.begin() as session:
                programme = session.scalars(
                    select(Programme)
                    .where(Programme.id == programme_id, Programme.next_round_at <= now)
                    .with_for_update(skip_locked=True)
                ).first()
                if programme is None or programme.next_round_at is None or programme.paused:
                    continue
                slot = programme.next_round_at
                programme.next_round_at = slot_after_of(programme, previous=slot, now=now)
                _new_round(session, programme, slot, now, next_slot=programme.next_round_at)
            started += 1
        except IntegrityError:
            continue  # another worker created this slot at the same moment (SQLite has no row locks)
    return started


def run_round_now(
    *, session: Session, workspace_id: str, programme_id: uuid.UUID, now: datetime
) -> PairingRound | None:
    """HR runs the next round now rather than at its time; the schedule carries on as before. It is the
    round the preview showed: same number, so the same seed and the same groups.

    Returns:
        The round, or None when one is being matched already (a double click, or the schedule's own).

    Raises:
        NotFound: the programme is gone.
    """
    get_programme(session=session, workspace_id=workspace_id, programme_id=programme_id)
    programme = session.scalars(select(Programme).where(Programme.id == programme_id).with_for_update()).one()
    busy = session.scalar(
        select(PairingRound.id).where(
            PairingRound.programme_id == programme.id, PairingRound.state == RoundState.MATCHING
        )
    )
    if busy is not None:
        return None
    next_slot = programme.next_round_at or first_slot_of(programme, after=now)
    return _new_round(session, programme, now.replace(microsecond=0), now, next_slot=next_slot)


def _new_round(
    session: Session, programme: Programme, slot: datetime, now: datetime, *, next_slot: datetime
) -> PairingRound:
    """A round that starts now (a worker that was late starts it late) and closes before the next slot,
    so silence is counted before the next round is matched; nudge and follow-up fall in between."""
    number = 1 + (
        session.scalar(select(func.max(PairingRound.number)).where(PairingRound.programme_id == programme.id))
        or 0
    )
    closes_at = max(next_slot - CLOSE_BEFORE_NEXT, now + timedelta(hours=1))
    span = closes_at - now
    round_ = PairingRound(
        workspace_id=programme.workspace_id,
        programme_id=programme.id,
        number=number,
        slot=slot,
        seed=_seed(programme.id, number),
        state=RoundState.MATCHING,
        nudge_at=now + span / 2,
        follow_up_at=now + span * 4 / 5,
        closes_at=closes_at,
    )
    session.add(round_)
    session.flush()
    enqueue(session=session, kind=PairingJob.MATCH_ROUND, subject_id=round_.id, due_at=now)
    return round_


def earlier_open_rounds(*, session: Session, round_id: uuid.UUID) -> list[uuid.UUID]:
    """Earlier rounds of the programme still open, oldest first: they close before this one is matched."""
    round_ = get_round(session=session, round_id=round_id)
    return list(
        session.scalars(
            select(PairingRound.id)
            .where(
                PairingRound.programme_id == round_.programme_id,
                PairingRound.number < round_.number,
                PairingRound.state == RoundState.INTRODUCING,
            )
            .order_by(PairingRound.number)
        )
    )


def _seed(programme_id: uuid.UUID, number: int) -> int:
    """The round's seed: fixed by programme and round number, so a preview shows what the round will do."""
    return int.from_bytes(hashlib.sha256(f"{programme_id}:{number}".encode()).digest()[:4], "big") >> 1


def get_round(*, session: Session, round_id: uuid.UUID) -> PairingRound:
    round_ = session.get(PairingRound, round_id)
    if round_ is None:
        raise NotFound("That pairing round no longer exists.")
    return round_


def _local_today(programme: Programme, now: datetime) -> date:
    return now.astimezone(ZoneInfo(programme.timezone)).date()


def _taking_part(
    session: Session,
    programme: Programme,
    today: date,
    channel_members: Collection[str] | None,
    *,
    lock: bool = False,
) -> tuple[list[Profile], list[Profile], int]:
    """(who takes part, who skips this one round, how many have opted in) for a programme's next round.

    Args:
        lock: hold the profiles read (PostgreSQL) until the transaction ends, so that nobody leaves or
            changes their preferences while their round is matched; they wait for it instead.
    """
    query = (
        select(Profile)
        .join(
            Membership,
            (Membership.user_id == Profile.user_id) & (Membership.workspace_id == Profile.workspace_id),
        )
        .where(Membership.programme_id == programme.id)
        .order_by(Profile.user_id)
    )
    if lock:
        query = query.with_for_update(of=Profile)
    profiles = list(session.scalars(query))
    taking_part: list[Profile] = []
    skipping: list[Profile] = []
    for profile in profiles:
        if channel_members is not None and profile.user_id not in channel_members:
            continue  # left the channel: membership of the programme needs membership of the channel
        if profile.paused_for_silence or (profile.paused_until is not None and profile.paused_until > today):
            continue
        if profile.skip_next_round:
            skipping.append(profile)
            continue
        taking_part.append(profile)
    return taking_part, skipping, len(profiles)


def _people(profiles: Iterable[Profile], directory: Directory) -> list[Person]:
    return [
        Person(
            id=p.user_id,
            seeks=frozenset(_kinds(p.seeks)),
            offers=frozenset(_kinds(p.offers)),
            team=directory.teams.get(p.user_id),
            reporting_line=directory.reporting_lines.get(p.user_id, frozenset()),
            avoid=frozenset(str(u) for u in p.avoid),
        )
        for p in profiles
    ]


def _kinds(values: Iterable[object]) -> list[SupportKind]:
    return [SupportKind(str(v)) for v in values if v in SupportKind._value2member_map_]


def history_for(*, session: Session, programme: Programme, current_number: int) -> History:
    """Who met whom in the programme's earlier rounds, and who was in the last round's group of three."""
    a, b = aliased(GroupMember), aliased(GroupMember)
    rows = session.execute(
        select(a.user_id, b.user_id, func.max(PairingRound.number))
        .join(b, (b.group_id == a.group_id) & (a.user_id < b.user_id))
        .join(Group, Group.id == a.group_id)
        .join(PairingRound, PairingRound.id == Group.round_id)
        .where(PairingRound.programme_id == programme.id, PairingRound.number < current_number)
        .group_by(a.user_id, b.user_id)
    )
    last_met = {(x, y): number for x, y, number in rows}
    last_trio = frozenset(
        session.scalars(
            select(GroupMember.user_id)
            .join(Group, Group.id == GroupMember.group_id)
            .join(PairingRound, PairingRound.id == Group.round_id)
            .where(
                PairingRound.programme_id == programme.id,
                PairingRound.number == current_number - 1,
                Group.size == 3,
            )
        )
    )
    return History(
        last_met=last_met, current_round=current_number, window=programme.repeat_window, last_trio=last_trio
    )


def make_groups(
    *,
    session: Session,
    round_id: uuid.UUID,
    directory: Directory,
    channel_members: Collection[str] | None,
    now: datetime,
) -> list[Group] | None:
    """Match a round and schedule its introductions, nudge, follow-up and close.

    Returns:
        The groups made, or None if the round was matched already (by this or another worker).
    """
    round_ = session.scalars(
        select(PairingRound).where(PairingRound.id == round_id).with_for_update()
    ).first()
    if round_ is None or round_.state is not RoundState.MATCHING:
        return None
    programme = session.get(Programme, round_.programme_id)
    if programme is None:
        return None
    # A compare-and-set on the state, so that even without row locks (SQLite) only one worker goes on.
    # It comes before who takes part is read: on SQLite this write holds the database, so nobody can
    # leave between that read and the groups being written; on PostgreSQL the profiles read are locked
    # (`_taking_part`). Read first, someone who left meanwhile was written back into a group, their
    # pairing data deleted and then kept, and introduced.
    taken = session.execute(
        update(PairingRound)
        .where(PairingRound.id == round_.id, PairingRound.state == RoundState.MATCHING)
        .values(state=RoundState.INTRODUCING)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    taking_part, skipping, opted_in = _taking_part(
        session, programme, _local_today(programme, now), channel_members, lock=True
    )
    for profile in skipping:
        profile.skip_next_round = False  # skipped once, as asked
    history = history_for(session=session, programme=programme, current_number=round_.number)
    matching = match(
        _people(taking_part, directory),
        history=history,
        prefer_cross_team=programme.prefer_cross_team,
        seed=round_.seed,
    )
    session.execute(
        update(PairingRound)
        .where(PairingRound.id == round_.id)
        .values(opted_in_count=opted_in, matched_count=sum(len(g.members) for g in matching.groups))
        .execution_options(synchronize_session=False)
    )
    groups: list[Group] = []
    for planned in matching.groups:
        group = Group(round_id=round_.id, workspace_id=round_.workspace_id, size=len(planned.members))
        session.add(group)
        groups.append(group)
    session.flush()
    for group, planned in zip(groups, matching.groups, strict=True):
        session.add_all(GroupMember(group_id=group.id, user_id=u, responded=False) for u in planned.members)
        enqueue(session=session, kind=PairingJob.INTRODUCE, subject_id=group.id, due_at=now)
    enqueue(session=session, kind=PairingJob.NUDGE, subject_id=round_.id, due_at=round_.nudge_at)
    enqueue(session=session, kind=PairingJob.FOLLOW_UP, subject_id=round_.id, due_at=round_.follow_up_at)
    enqueue(session=session, kind=PairingJob.CLOSE_ROUND, subject_id=round_.id, due_at=round_.closes_at)
    session.flush()
    return groups


def preview_next_round(
    *,
    session: Session,
    workspace_id: str,
    programme_id: uuid.UUID,
    directory: Directory,
    channel_members: Collection[str] | None,
    now: datetime,
) -> Matching:
    """The groups the next round would make today. Changes nothing."""
    programme = get_programme(session=session, workspace_id=workspace_id, programme_id=programme_id)
    taking_part, _, _ = _taking_part(session, programme, _local_today(programme, now), channel_members)
    number = 1 + (
        session.scalar(select(func.max(PairingRound.number)).where(PairingRound.programme_id == programme.id))
        or 0
    )
    history = history_for(session=session, programme=programme, current_number=number)
    matching = match(
        _people(taking_part, directory),
        history=history,
        prefer_cross_team=programme.prefer_cross_team,
        seed=_seed(programme.id, number),
    )
    return matching


# -- introductions and follow-up ----------------------------------------------------------------------


@dataclass(frozen=True)
class GroupDetails:
    group: Group
    round: PairingRound
    channel_id: str  # the programme's channel
    members: tuple[str, ...]
    profiles: Mapping[str, Profile]


def group_details(*, session: Session, group_id: uuid.UUID) -> GroupDetails:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound("That introduction no longer exists.")
    round_ = get_round(session=session, round_id=group.round_id)
    programme = session.get(Programme, round_.programme_id)
    members = tuple(_members_by_group(session, [group.id]).get(group.id, []))
    profiles = {
        p.user_id: p
        for p in session.scalars(
            select(Profile).where(Profile.workspace_id == group.workspace_id, Profile.user_id.in_(members))
        )
    }
    return GroupDetails(group, round_, programme.channel_id if programme else "", members, profiles)


def mark_introduced(
    *, session: Session, group_id: uuid.UUID, conversation_id: str, ts: str, now: datetime
) -> None:
    group = session.get(Group, group_id)
    if group is not None:
        group.conversation_id = conversation_id
        group.introduction_ts = ts
        group.introduced_at = now


def _my_group(session: Session, workspace_id: str, group_id: uuid.UUID, user_id: str) -> Group:
    group = session.get(Group, group_id)
    member = session.get(GroupMember, (group_id, user_id))
    if group is None or group.workspace_id != workspace_id or member is None:
        raise NotFound("That introduction isn't one of yours, or it no longer exists.")
    member.responded = True
    return group


def mark_met(
    *, session: Session, workspace_id: str, group_id: uuid.UUID, user_id: str, now: datetime
) -> bool:
    """ "We met": True if this click recorded it (a second click, or the other person's, changes nothing).

    Decided by one UPDATE on the group as it is then, as are the follow-up's answers (`record_outcome`):
    both members may click at the same moment.
    """
    group = _my_group(session, workspace_id, group_id, user_id)
    taken = session.execute(
        update(Group)
        .where(Group.id == group.id, Group.met_at.is_(None))
        .values(met_at=now, outcome=Outcome.MET)
        .execution_options(synchronize_session="fetch")
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def record_outcome(
    *,
    session: Session,
    workspace_id: str,
    group_id: uuid.UUID,
    user_id: str,
    outcome: Outcome,
    now: datetime,
) -> None:
    """The follow-up's answer. Once anyone says they met, the group counts as met.

    Decided on the group as it is when written: reading it first, a "not yet" wrote over the other
    member's "We met" committed meanwhile, and the group counted as met said it had not.
    """
    group = _my_group(session, workspace_id, group_id, user_id)
    if outcome is Outcome.MET:
        values: dict[str, Any] = {"met_at": func.coalesce(Group.met_at, now), "outcome": Outcome.MET}
    else:
        values = {"outcome": case((Group.outcome == Outcome.MET, Group.outcome), else_=outcome)}
    mine = update(Group).where(Group.id == group.id)
    session.execute(mine.values(values).execution_options(synchronize_session="fetch"))


def introduced_groups(*, session: Session, round_id: uuid.UUID, unmet_only: bool) -> list[Group]:
    query = select(Group).where(Group.round_id == round_id, Group.introduced_at.is_not(None))
    if unmet_only:
        query = query.where(Group.met_at.is_(None))
    return list(session.scalars(query))


def claim_nudge(*, session: Session, group_id: uuid.UUID, now: datetime) -> bool:
    """Mark a group nudged before the nudge goes, so a crash may skip one but never send two."""
    result = session.execute(
        update(Group).where(Group.id == group_id, Group.nudged_at.is_(None)).values(nudged_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def claim_follow_up(*, session: Session, group_id: uuid.UUID, now: datetime) -> bool:
    result = session.execute(
        update(Group).where(Group.id == group_id, Group.followed_up_at.is_(None)).values(followed_up_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def close_round(*, session: Session, round_id: uuid.UUID) -> list[str]:
    """Count silence: whoever answered nothing about this round's introduction, in a group nobody said had
    met, moves one step closer to a pause; three in a row and they are paused (kindly told, with a way
    back). A group counts as met when any member says so.

    Returns:
        Who was paused just now. Empty when the round was closed already.
    """
    round_ = session.scalars(
        select(PairingRound).where(PairingRound.id == round_id).with_for_update()
    ).first()
    if round_ is None or round_.state is not RoundState.INTRODUCING:
        return []
    taken = session.execute(
        update(PairingRound)
        .where(PairingRound.id == round_id, PairingRound.state == RoundState.INTRODUCING)
        .values(state=RoundState.CLOSED)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return []
    met = select(func.coalesce(func.sum(Group.size), 0)).where(
        Group.round_id == round_id, Group.met_at.is_not(None)
    )
    session.execute(
        update(PairingRound)
        .where(PairingRound.id == round_id)
        .values(met_count=met.scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    answered: dict[str, bool] = {}
    for user_id, responded, met_at in session.execute(
        select(GroupMember.user_id, GroupMember.responded, Group.met_at)
        .join(Group, Group.id == GroupMember.group_id)
        .where(Group.round_id == round_id, Group.introduced_at.is_not(None))
    ):
        # One member's "We met" answers for the whole group: the others met too, they just didn't click.
        answered[user_id] = responded or met_at is not None
    spoke = [user_id for user_id, said in answered.items() if said]
    silent = [user_id for user_id, said in answered.items() if not said]
    mine = Profile.workspace_id == round_.workspace_id
    if spoke:
        session.execute(
            update(Profile)
            .where(mine, Profile.user_id.in_(spoke))
            .values(unanswered_in_a_row=0)
            .execution_options(synchronize_session=False)
        )
    if not silent:
        return []
    # One step for each silent person, counted on the row as it is written: another programme's round
    # closing at the same moment (another worker) counts its own step. Reading the counts and writing
    # back one more lost one of the two steps.
    after = Profile.unanswered_in_a_row + 1
    stepped = session.execute(
        update(Profile)
        .where(mine, Profile.user_id.in_(silent))
        .values(
            unanswered_in_a_row=after,
            paused_for_silence=case((after >= UNANSWERED_LIMIT, true()), else_=Profile.paused_for_silence),
        )
        .returning(Profile.user_id, Profile.unanswered_in_a_row)
        .execution_options(synchronize_session=False)
    )
    # Both ways back (come_back, save_preferences) set the count to 0 with the pause, so the step that
    # reaches the limit is the one that pauses: that person is told once.
    return sorted(user_id for user_id, count in stepped if count == UNANSWERED_LIMIT)
