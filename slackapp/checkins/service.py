"""Check-ins without Slack: pulses, rounds, anonymous answers, closing into histograms.

The rules of docs/anonymity.md live here: answers never carry a person; the ledger holds only a keyed
hash under a round secret that is erased at close; ledger, scores and comment are written in separate
transactions; a closed round keeps histograms and nothing row-level.
"""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from slackapp.cadence.schedule import (
    CADENCE_DAYS,
    Cadence,
    first_slot_of,
    schedule_errors,
    slot_after_of,
)
from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.models import (
    Answer,
    Comment,
    Histogram,
    Invitee,
    Participation,
    Pulse,
    Round,
    RoundState,
)
from slackapp.checkins.questions import (
    COMMENT_MAX_LENGTH,
    SCALE,
    Question,
    QuestionKey,
    questions_for,
)
from slackapp.database import Base, SessionFactory, autocommit_connection
from slackapp.errors import InvalidInput, NotFound
from slackapp.org.models import Department, Team
from slackapp.privacy.publish import schedule_publications
from slackapp.scheduler.queue import bring_forward, enqueue, run_again

MIN_OPEN_HOURS = 1


class CheckinJob(StrEnum):
    POST_INVITATION = "checkin.post_invitation"
    REFRESH_PARTICIPATION = "checkin.refresh_participation"  # no longer queued; see jobs.py
    SEND_REMINDERS = "checkin.send_reminders"
    CLOSE_ROUND = "checkin.close_round"
    RETIRE_INVITATION = "checkin.retire_invitation"
    POST_RESULTS = "checkin.post_results"  # queued by the publication the round counts in


class RoundNotOpen(Exception):
    """The round has closed (or never opened) and takes no more answers."""


class AlreadyAnswered(Exception):
    """This person's answers for the round are already counted."""


class NotInvited(Exception):
    """This person was not in the round's channel when it opened, so the round is not theirs to answer."""


class SubmissionFailed(Exception):
    """The answers could not be saved; nothing of them was kept, and the person may try again."""


class RoundAlreadyOpen(Exception):
    pass


# -- pulses -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseSpec:
    """What HR chooses for a pulse. Field names double as the form's block ids."""

    channel_id: str
    cadence: Cadence
    weekday: int
    local_time: str
    timezone: str
    open_hours: int
    question_keys: tuple[QuestionKey, ...]
    comments_enabled: bool
    reminder_enabled: bool


def check_pulse_spec(spec: PulseSpec) -> dict[str, str]:
    """Everything wrong with a pulse spec, by field, in plain words (empty when it is fine)."""
    errors: dict[str, str] = {}
    if not spec.channel_id:
        errors["channel_id"] = "Choose the team's channel."
    errors |= schedule_errors(
        weekday=spec.weekday, local_time=spec.local_time, timezone=spec.timezone, example_time="09:30"
    )
    longest = CADENCE_DAYS[spec.cadence] * 24
    if not MIN_OPEN_HOURS <= spec.open_hours < longest:
        errors["open_hours"] = (
            f"A round stays open between {MIN_OPEN_HOURS} and {longest - 1} hours for this cadence."
        )
    if not spec.question_keys:
        errors["question_keys"] = "Ask at least one question."
    return errors


def list_pulses(*, session: Session, workspace_id: str) -> list[Pulse]:
    return list(
        session.scalars(
            select(Pulse).where(Pulse.workspace_id == workspace_id).order_by(Pulse.created_at, Pulse.id)
        )
    )


def get_pulse(*, session: Session, workspace_id: str, pulse_id: uuid.UUID) -> Pulse:
    pulse = session.get(Pulse, pulse_id)
    if pulse is None or pulse.workspace_id != workspace_id:
        raise NotFound("That check-in no longer exists.")
    return pulse


def create_pulse(
    *, session: Session, workspace_id: str, spec: PulseSpec, created_by: str, now: datetime
) -> Pulse:
    """Create a pulse and schedule its first round.

    Raises:
        InvalidInput: the spec is invalid, or the channel already has a pulse.
    """
    errors = check_pulse_spec(spec)
    if not errors and _pulse_in_channel(session, workspace_id, spec.channel_id) is not None:
        errors["channel_id"] = "That channel already has a check-in: edit that one instead."
    if errors:
        raise InvalidInput(errors)
    pulse = Pulse(workspace_id=workspace_id, created_by=created_by, created_at=now, paused=False)
    _apply_spec(pulse, spec, now)
    session.add(pulse)
    session.flush()
    return pulse


def update_pulse(
    *, session: Session, workspace_id: str, pulse_id: uuid.UUID, spec: PulseSpec, now: datetime
) -> Pulse:
    """Change a pulse; rounds already held keep the questions they asked."""
    pulse = get_pulse(session=session, workspace_id=workspace_id, pulse_id=pulse_id)
    errors = check_pulse_spec(spec)
    other = _pulse_in_channel(session, workspace_id, spec.channel_id)
    if not errors and other is not None and other.id != pulse.id:
        errors["channel_id"] = "That channel already has a check-in."
    if errors:
        raise InvalidInput(errors)
    _apply_spec(pulse, spec, now)
    return pulse


def set_pulse_paused(
    *, session: Session, workspace_id: str, pulse_id: uuid.UUID, paused: bool, now: datetime
) -> Pulse:
    pulse = get_pulse(session=session, workspace_id=workspace_id, pulse_id=pulse_id)
    pulse.paused = paused
    pulse.next_open_at = None if paused else first_slot_of(pulse, after=now)
    return pulse


def delete_pulse(*, session: Session, workspace_id: str, pulse_id: uuid.UUID) -> None:
    """Delete a pulse. Its past rounds and their histograms stay (history stays true)."""
    session.delete(get_pulse(session=session, workspace_id=workspace_id, pulse_id=pulse_id))


def _pulse_in_channel(session: Session, workspace_id: str, channel_id: str) -> Pulse | None:
    return session.scalar(
        select(Pulse).where(Pulse.workspace_id == workspace_id, Pulse.channel_id == channel_id)
    )


def _apply_spec(pulse: Pulse, spec: PulseSpec, now: datetime) -> None:
    pulse.channel_id = spec.channel_id
    pulse.cadence = spec.cadence
    pulse.weekday = spec.weekday
    pulse.local_time = spec.local_time
    pulse.timezone = spec.timezone
    pulse.open_hours = spec.open_hours
    pulse.question_keys = [key.value for key in spec.question_keys]
    pulse.comments_enabled = spec.comments_enabled
    pulse.reminder_enabled = spec.reminder_enabled
    pulse.next_open_at = None if pulse.paused else first_slot_of(pulse, after=now)


# -- opening rounds -----------------------------------------------------------------------------------


def open_round(
    *, session: Session, pulse: Pulse, slot: datetime, now: datetime, round_secrets: RoundSecrets
) -> Round:
    """Create a round for a pulse's slot, with a fresh sealed secret, and schedule its jobs.

    The invitation is posted by the worker's job, so a crash between here and Slack loses nothing.
    """
    closes_at = now + timedelta(hours=pulse.open_hours)
    remind_at = now + (closes_at - now) * 2 / 3 if pulse.reminder_enabled else None
    round_ = Round(
        workspace_id=pulse.workspace_id,
        pulse_id=pulse.id,
        channel_id=pulse.channel_id,
        slot=slot,
        questions=[q.to_snapshot() for q in questions_for(pulse.question_keys)],
        comments_enabled=pulse.comments_enabled,
        state=RoundState.OPENING,
        opens_at=now,
        closes_at=closes_at,
        remind_at=remind_at,
        secret_ciphertext=round_secrets.new_sealed_secret(),
    )
    session.add(round_)
    session.flush()
    enqueue(session=session, kind=CheckinJob.POST_INVITATION, subject_id=round_.id, due_at=now)
    if remind_at is not None:
        enqueue(session=session, kind=CheckinJob.SEND_REMINDERS, subject_id=round_.id, due_at=remind_at)
    enqueue(session=session, kind=CheckinJob.CLOSE_ROUND, subject_id=round_.id, due_at=closes_at)
    # The round's numbers reach leaders and the channel only through its period's publication.
    schedule_publications(session=session, workspace_id=pulse.workspace_id, now=now)
    return round_


def open_due_rounds(
    *,
    session_factory: SessionFactory,
    now: datetime,
    round_secrets: RoundSecrets,
    workspace_is_active: Callable[[str], bool] = lambda workspace_id: True,
) -> int:
    """Open a round for every active pulse whose slot has come; each in its own transaction.

    Pulses of workspaces that are not active (Kindred uninstalled) wait; one round opens on re-install.

    Returns:
        How many rounds this call opened. Two workers calling at once open each slot once: the pulse
        row is locked (`SKIP LOCKED`) and a slot is unique per pulse.
    """
    with session_factory() as session:
        due = session.execute(
            select(Pulse.id, Pulse.workspace_id).where(
                Pulse.paused.is_(False), Pulse.next_open_at.is_not(None), Pulse.next_open_at <= now
            )
        ).all()
    opened = 0
    for pulse_id, workspace_id in due:
        if not workspace_is_active(workspace_id):
            continue
        try:
            with session_factory.begin() as session:
                pulse = session.scalars(
                    select(Pulse)
                    .where(Pulse.id == pulse_id, Pulse.next_open_at <= now, Pulse.paused.is_(False))
                    .with_for_update(skip_locked=True)
                ).first()
                if pulse is None or pulse.next_open_at is None:
                    continue  # another worker has it, or it changed
                slot = pulse.next_open_at
                open_round(session=session, pulse=pulse, slot=slot, now=now, round_secrets=round_secrets)
                pulse.next_open_at = slot_after_of(pulse, previous=slot, now=now)
            opened += 1
        except IntegrityError:
            continue  # the slot was opened by another worker at the same moment (SQLite has no row locks)
    return opened


def open_round_now(
    *, session: Session, workspace_id: str, pulse_id: uuid.UUID, now: datetime, round_secrets: RoundSecrets
) -> Round:
    """HR's "send a round now". Refused while the pulse already has a round open."""
    pulse = get_pulse(session=session, workspace_id=workspace_id, pulse_id=pulse_id)
    already = session.scalar(
        select(Round.id).where(Round.pulse_id == pulse.id, Round.state != RoundState.CLOSED)
    )
    if already is not None:
        raise RoundAlreadyOpen("This check-in already has a round open. Close it first.")
    return open_round(session=session, pulse=pulse, slot=now, now=now, round_secrets=round_secrets)


def invite_people(
    *, session: Session, round_: Round, user_ids: Iterable[str], round_secrets: RoundSecrets
) -> int:
    """Record people the round is for (docs/anonymity.md rule 5), as HMAC(round secret, user ID) only.

    The worker calls this once, with the channel's people when the round opens; nobody else can answer.
    People already recorded are skipped. The rows are written in the order of their hashes, not of
    `user_ids`: a table's physical order follows insertion, and the order Slack lists a channel's members
    in is one anybody in the channel can see, so inserting in that order would tell who each row is.

    Returns:
        How many people the round is for now, also kept as `round_.invited_count`.

    Raises:
        RoundNotOpen: the round has closed, perhaps since `round_` was read; nothing is written.
    """
    if round_.secret_ciphertext is None:
        raise RoundNotOpen()
    # The round's row is written first, on the state it has then: it holds the row (PostgreSQL) or the
    # database (SQLite) until this transaction ends, so a close waits for it, and a close that committed
    # since `round_` was read is seen. Checking the state read earlier wrote invitees back after the close
    # had erased them for good.
    still_open = session.execute(
        update(Round)
        .where(Round.id == round_.id, Round.state != RoundState.CLOSED)
        .values(invited_count=Round.invited_count)
        .execution_options(synchronize_session=False)
    )
    if still_open.rowcount != 1:  # type: ignore[attr-defined]
        raise RoundNotOpen()
    known = set(session.scalars(select(Invitee.voter_hash).where(Invitee.round_id == round_.id)))
    new = {round_secrets.voter_hash(round_.secret_ciphertext, user_id) for user_id in user_ids} - known
    if new:
        session.execute(insert(Invitee), [{"round_id": round_.id, "voter_hash": h} for h in sorted(new)])
    round_.invited_count = len(known) + len(new)
    return round_.invited_count


def mark_invitation_posted(*, session: Session, round_id: uuid.UUID, ts: str) -> None:
    """Kindred's record that the invitation is in the channel: an opening round is open from now on.

    One UPDATE that decides on the state the row has when it is written. A close can commit while the
    invitation is on its way to Slack (HR's "close now", or a worker back after the round's time);
    reading the round first and writing `open` back reopened it after its close, with its secret and
    ledger gone, and its week, with every later one, was never published. A round that closed meanwhile
    stays closed, and the button that just went up is retired at once.
    """
    session.execute(
        update(Round)
        .where(Round.id == round_id)
        .values(
            invitation_ts=ts,
            state=case((Round.state == RoundState.OPENING, RoundState.OPEN), else_=Round.state),
        )
        .execution_options(synchronize_session=False)
    )
    # Read back as written (this transaction holds the row now), also into a copy the caller holds.
    round_ = session.get(Round, round_id, populate_existing=True)
    if round_ is None:
        raise NotFound("That check-in no longer exists.")
    if round_.state is RoundState.CLOSED:
        # Its retirement at the close found no invitation to retire.
        run_again(
            session=session, kind=CheckinJob.RETIRE_INVITATION, subject_id=round_id, due_at=round_.closes_at
        )


def get_round(*, session: Session, round_id: uuid.UUID) -> Round:
    return _get_round(session, round_id)


def find_round(*, session: Session, workspace_id: str, round_id: uuid.UUID | None) -> Round | None:
    """The round, if it exists in this workspace (an id from a payload may name another's)."""
    round_ = session.get(Round, round_id) if round_id is not None else None
    return round_ if round_ is not None and round_.workspace_id == workspace_id else None


def _get_round(session: Session, round_id: uuid.UUID) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise NotFound("That check-in no longer exists.")
    return round_


def accepts_answers(round_: Round, now: datetime) -> bool:
    return round_.state is not RoundState.CLOSED and round_.closes_at > now


def open_rounds_in_channel(
    *, session: Session, workspace_id: str, channel_id: str, now: datetime
) -> list[Round]:
    return list(
        session.scalars(
            select(Round)
            .where(
                Round.workspace_id == workspace_id,
                Round.channel_id == channel_id,
                Round.state != RoundState.CLOSED,
                Round.closes_at > now,
                Round.invited_count.is_not(None),  # it knows who it is for
            )
            .order_by(Round.opens_at.desc())
        )
    )


def open_rounds(*, session: Session, workspace_id: str, now: datetime) -> list[Round]:
    return list(
        session.scalars(
            select(Round)
            .where(
                Round.workspace_id == workspace_id, Round.state != RoundState.CLOSED, Round.closes_at > now
            )
            .order_by(Round.closes_at)
        )
    )


class Standing(StrEnum):
    """Where a person stands with an open round."""

    MAY_ANSWER = "may_answer"
    ANSWERED = "answered"
    NOT_INVITED = "not_invited"
    OPENING = "opening"  # the worker has not recorded who the round is for yet (a moment after it opens)


def standing_in(*, session: Session, round_: Round, user_id: str, round_secrets: RoundSecrets) -> Standing:
    """Whether the person may answer the round, has answered it, or was not in its channel when it opened.

    Only the person themselves is ever told (the modal they opened): nobody learns another's standing.
    """
    if round_.secret_ciphertext is None:
        return Standing.NOT_INVITED
    if round_.invited_count is None:
        return Standing.OPENING
    voter = round_secrets.voter_hash(round_.secret_ciphertext, user_id)
    if session.get(Invitee, (round_.id, voter)) is None:
        return Standing.NOT_INVITED
    if session.get(Participation, (round_.id, voter)) is not None:
        return Standing.ANSWERED
    return Standing.MAY_ANSWER


def invited_open_rounds(
    *, session: Session, workspace_id: str, user_id: str, now: datetime, round_secrets: RoundSecrets
) -> list[tuple[Round, Standing]]:
    """The open rounds the person was invited to, each with whether they have answered it yet.

    Two queries and no Slack call, however many rounds are open: the person's keyed hash for each round
    is looked up in the invitees and the ledger at once. Only the person themselves is ever told.
    """
    rounds: list[Round] = []
    keys: list[tuple[uuid.UUID, bytes]] = []
    for r in open_rounds(session=session, workspace_id=workspace_id, now=now):
        # Only rounds that know who they are for (the worker records that a moment after opening).
        if r.invited_count is not None and r.secret_ciphertext is not None:
            rounds.append(r)
            keys.append((r.id, round_secrets.voter_hash(r.secret_ciphertext, user_id)))
    if not rounds:
        return []
    invited = set(
        session.scalars(
            select(Invitee.round_id).where(tuple_(Invitee.round_id, Invitee.voter_hash).in_(keys))
        )
    )
    answered = set(
        session.scalars(
            select(Participation.round_id).where(
                tuple_(Participation.round_id, Participation.voter_hash).in_(keys)
            )
        )
    )
    return [
        (r, Standing.ANSWERED if r.id in answered else Standing.MAY_ANSWER) for r in rounds if r.id in invited
    ]


# -- answering ----------------------------------------------------------------------------------------


def round_questions(round_: Round) -> list[Question]:
    return [Question.from_snapshot(q) for q in round_.questions]


@dataclass(frozen=True)
class AnswerableRound:
    """What answering a round needs of it: all fixed from the moment the round opens until it closes.

    The questions, the comment option and the sealed secret never change while a round is open, and
    `closes_at` only moves earlier (closing sets `state` too), so a web process may keep this for a
    while (slackapp/checkins/intake.py). It is never the authority on whether the round is still open:
    each write checks that in the database itself (`record_answers`).
    """

    id: uuid.UUID
    workspace_id: str
    channel_id: str
    questions: tuple[Question, ...]
    comments_enabled: bool
    closes_at: datetime
    secret_ciphertext: bytes

    @functools.cached_property
    def question_keys(self) -> tuple[str, ...]:
        return tuple(q.key.value for q in self.questions)

    @classmethod
    def of(cls, round_: Round) -> AnswerableRound | None:
        """The round's answerable facts, or None when it has closed (or lost its secret)."""
        if round_.state is RoundState.CLOSED or round_.secret_ciphertext is None:
            return None
        return cls(
            id=round_.id,
            workspace_id=round_.workspace_id,
            channel_id=round_.channel_id,
            questions=tuple(round_questions(round_)),
            comments_enabled=round_.comments_enabled,
            closes_at=round_.closes_at,
            secret_ciphertext=round_.secret_ciphertext,
        )


_ANSWERABLE_ROUND = select(
    Round.id,
    Round.workspace_id,
    Round.channel_id,
    Round.questions,
    Round.comments_enabled,
    Round.closes_at,
    Round.secret_ciphertext,
    Round.state,
).where(Round.id == bindparam("round_id"))


def find_answerable_round(
    *, session: Session, workspace_id: str, round_id: uuid.UUID | None
) -> AnswerableRound | None:
    """The round's answerable facts, if it exists in this workspace; one plain read.

    Cheaper than `find_round`: no ORM identity map, and only the columns answering needs.

    Raises:
        RoundNotOpen: the round exists but has closed.
    """
    if round_id is None:
        return None
    row = session.execute(_ANSWERABLE_ROUND, {"round_id": round_id}).first()
    if row is None or row.workspace_id != workspace_id:
        return None
    if row.state is RoundState.CLOSED or row.secret_ciphertext is None:
        raise RoundNotOpen()
    return AnswerableRound(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        questions=tuple(Question.from_snapshot(q) for q in row.questions),
        comments_enabled=row.comments_enabled,
        closes_at=row.closes_at,
        secret_ciphertext=row.secret_ciphertext,
    )


def check_answers(
    round_: AnswerableRound, answers: Mapping[str, int | None], comment: str | None
) -> dict[str, str]:
    """Everything wrong with a submission, by question key (or "comment"), in plain words."""
    errors: dict[str, str] = {}
    for question in round_.questions:
        value = answers.get(question.key.value)
        if value is None:
            errors[question.key.value] = "Please choose an answer."
        elif value not in SCALE:
            errors[question.key.value] = f"Choose a value from {SCALE.start} to {SCALE.stop - 1}."
    asked = set(round_.question_keys)
    for key in answers:
        if key not in asked:
            errors[key] = "This question is not part of this check-in."
    if comment:
        if not round_.comments_enabled:
            errors["comment"] = "This check-in does not take comments."
        elif len(comment) > COMMENT_MAX_LENGTH:
            errors["comment"] = f"Please keep your comment under {COMMENT_MAX_LENGTH} characters."
    return errors


def record_answers(
    *,
    session_factory: SessionFactory,
    round_: Round | AnswerableRound,
    user_id: str,
    answers: Mapping[str, int | None],
    comment: str | None,
    round_secrets: RoundSecrets,
    now: datetime,
) -> None:
    """Count one person's answers to `round_` once, without recording who gave them.

    Three transactions, on purpose (docs/anonymity.md rule 2): rows written in one PostgreSQL commit share
    a transaction id that would link them. First the ledger entry (the keyed hash, refusing a second
    answer), then the scores, then the comment: each one statement that commits on its own. If the
    scores or comment fail, the ledger entry and any scores already written are removed, so the person
    can simply submit again.

    The ledger's insert itself checks that the person is among the round's invitees (the same keyed hash,
    recorded when the round opened), so refusing an outsider costs no Slack call and no extra statement.

    On PostgreSQL only the last commit waits for the disk; see `IntakeSql` for why that loses nothing.

    Raises:
        InvalidInput: an answer is missing or out of range (nothing written).
        RoundNotOpen: the round has closed (nothing written).
        NotInvited: the person was not in the round's channel when it opened (nothing written).
        AlreadyAnswered: this person's answers are already counted (nothing written).
        SubmissionFailed: the database failed; nothing of this submission is kept.
    """
    comment = (comment or "").strip() or None
    facts = round_ if isinstance(round_, AnswerableRound) else AnswerableRound.of(round_)
    if facts is None or facts.closes_at <= now:
        raise RoundNotOpen()
    errors = check_answers(facts, answers, comment)
    if errors:
        raise InvalidInput(errors)
    voter = round_secrets.voter_hash(facts.secret_ciphertext, user_id)
    ids = [uuid.uuid4() for _ in facts.question_keys]
    values = [int(answers[key] or 0) for key in facts.question_keys]
    with autocommit_connection(session_factory) as connection:
        # Autocommit: every statement below is its own transaction, with its own transaction id.
        sql = INTAKE_SQL[connection.dialect.name]
        key = sql.key
        ledger = {"round_id": key(facts.id), "voter": voter}
        try:
            counted = _written(connection, sql.count_if_invited, ledger)
            if not counted:  # rare: a second submission (a double click, Slack's retry), or refused
                already = connection.exec_driver_sql(sql.counted_already, ledger).first()
                still_open = connection.exec_driver_sql(sql.still_open, {"round_id": key(facts.id)}).first()
        except IntegrityError:
            raise AlreadyAnswered() from None
        except SQLAlchemyError:
            raise SubmissionFailed() from None
        if not counted:
            if already is not None:
                raise AlreadyAnswered()
            raise NotInvited() if still_open is not None else RoundNotOpen()
        try:
            written = _written(
                connection, *sql.answers(facts.id, facts.question_keys, ids, values, last=not comment)
            ) and (
                not comment
                or _written(
                    connection,
                    sql.comment,
                    {"round_id": key(facts.id), "id": key(uuid.uuid4()), "body": comment},
                )
            )
            if not written:
                raise RoundNotOpen()
        except (SQLAlchemyError, RoundNotOpen) as error:
            _forget_submission(session_factory, facts.id, voter, ids)
            if isinstance(error, RoundNotOpen):
                raise
            raise SubmissionFailed() from None


def _written(connection: Connection, sql: str, parameters: dict[str, Any]) -> bool:
    """Run one of `IntakeSql`'s INSERTs; True if it wrote its rows (it writes nothing once the round has
    closed, or for the ledger, for someone not invited)."""
    return connection.exec_driver_sql(sql, parameters).rowcount > 0


# The submission's statements, in each database's own SQL, run with `Connection.exec_driver_sql`: this is
# Kindred's busiest path, and building and binding SQLAlchemy statements cost more than the database's own
# work (benchmarks/checkin_intake). Engine events, error wrapping and disconnect handling stay SQLAlchemy's.
_OPEN = f"state != '{RoundState.CLOSED.value}'"


class IntakeSql:
    """PostgreSQL's statements for `record_answers`; each INSERT writes only while the round is open.

    Each share-locks the round row: closing locks it for update, so a close waits for a write in flight,
    and a write that waited for a close sees the round closed and writes nothing. (A key-share lock would
    not do: it ignores updates that leave the key alone, such as closing.)
    """

    _open_round = (
        f"WITH open_round AS (SELECT id FROM checkin_round WHERE id = %(round_id)s AND {_OPEN} FOR SHARE) "
    )
    # A commit before the submission's last does not wait for its WAL to reach the disk (synchronous_commit
    # off, for that transaction alone). Nothing is acknowledged until the last commit, which waits as the
    # server is configured to (on, or a standby's remote_apply), and WAL is flushed in order: when it
    # returns, the earlier commits are on disk (and on the standby) too. A crash before then can keep the
    # ledger row without the scores, as it always could between two commits; it never loses what was
    # acknowledged. (One narrow case: a double click's second submission can find the first's ledger row
    # before it is on disk and be told "already counted"; were the server to crash in that millisecond,
    # the first was never acknowledged and the answer is not counted.) Two fewer waits for the disk per
    # submission (benchmarks/checkin_intake).
    # set_config is volatile, so PostgreSQL evaluates the CTE rather than folding it away; it runs only
    # when the round is open, which is when the statement writes.
    _open_round_flushed_later = (
        "WITH open_round AS (SELECT id, set_config('synchronous_commit', 'off', true) FROM checkin_round"
        f" WHERE id = %(round_id)s AND {_OPEN} FOR SHARE) "
    )
    # The ledger row, only for one of the round's invitees (docs/anonymity.md rule 5). A second answer
    # writes nothing rather than fail: PostgreSQL writes every failed statement into its server log with
    # the key it clashed on (`DETAIL: Key (round_id, voter_hash)=(...)`), at the second it happened, and
    # with KINDRED_SECRET_KEY that hash names the person (tests/privacy/test_database_holder.py).
    count_if_invited = (
        _open_round_flushed_later
        + "INSERT INTO checkin_participation (round_id, voter_hash) SELECT id, %(voter)s FROM open_round"
        " WHERE EXISTS (SELECT FROM checkin_invitee WHERE round_id = %(round_id)s AND voter_hash = %(voter)s)"
        " ON CONFLICT DO NOTHING"
    )
    counted_already = (
        "SELECT 1 FROM checkin_participation WHERE round_id = %(round_id)s AND voter_hash = %(voter)s"
    )
    still_open = f"SELECT id FROM checkin_round WHERE id = %(round_id)s AND {_OPEN}"
    comment = (
        _open_round
        + "INSERT INTO checkin_comment (id, round_id, body) SELECT %(id)s, id, %(body)s FROM open_round"
    )
    _answers_insert = (
        "INSERT INTO checkin_answer (id, round_id, question_key, value)"
        " SELECT answer.id, open_round.id, answer.question_key, answer.value FROM open_round,"
        " unnest(%(ids)s::uuid[], %(question_keys)s::varchar[], %(values)s::smallint[])"
        " AS answer(id, question_key, value)"
    )
    _answers = {True: _open_round + _answers_insert, False: _open_round_flushed_later + _answers_insert}

    def key(self, value: uuid.UUID) -> Any:
        """A key as this database's driver takes it."""
        return value

    def answers(
        self,
        round_id: uuid.UUID,
        question_keys: tuple[str, ...],
        ids: list[uuid.UUID],
        values: list[int],
        *,
        last: bool,
    ) -> tuple[str, dict[str, Any]]:
        """The scores' INSERT and its parameters: three arrays, one element per question. `last`: no comment
        follows, so this commit is the one that waits for the disk.

        The arrays go as PostgreSQL's text form, which psycopg passes as it is: adapting Python lists
        cost it more than the rest of the statement. Nothing in them needs quoting (UUIDs, question keys
        in lower case and underscores, small whole numbers).
        """
        return self._answers[last], {
            "round_id": round_id,
            "ids": "{" + ",".join(map(str, ids)) + "}",
            "question_keys": "{" + ",".join(question_keys) + "}",
            "values": "{" + ",".join(map(str, values)) + "}",
        }


class SqliteIntakeSql(IntakeSql):
    """SQLite's: no row locks (one writer at a time), no arrays, keys as 32 hex digits (SQLAlchemy's Uuid).

    Every commit syncs as SQLite's default (synchronous=FULL) does, so the scores' `last` changes nothing.
    """

    count_if_invited = (
        "INSERT INTO checkin_participation (round_id, voter_hash)"
        f" SELECT id, :voter FROM checkin_round WHERE id = :round_id AND {_OPEN}"
        " AND EXISTS (SELECT 1 FROM checkin_invitee WHERE round_id = :round_id AND voter_hash = :voter)"
        " ON CONFLICT DO NOTHING"
    )
    counted_already = "SELECT 1 FROM checkin_participation WHERE round_id = :round_id AND voter_hash = :voter"
    still_open = f"SELECT id FROM checkin_round WHERE id = :round_id AND {_OPEN}"
    comment = (
        "INSERT INTO checkin_comment (id, round_id, body)"
        f" SELECT :id, id, :body FROM checkin_round WHERE id = :round_id AND {_OPEN}"
    )

    def key(self, value: uuid.UUID) -> Any:
        return value.hex

    def answers(
        self,
        round_id: uuid.UUID,
        question_keys: tuple[str, ...],
        ids: list[uuid.UUID],
        values: list[int],
        *,
        last: bool,
    ) -> tuple[str, dict[str, Any]]:
        parameters: dict[str, Any] = {"round_id": round_id.hex}
        for i, (id_, question_key, value) in enumerate(zip(ids, question_keys, values, strict=True)):
            parameters |= {f"id_{i}": id_.hex, f"key_{i}": question_key, f"value_{i}": value}
        return _sqlite_answers(len(ids)), parameters


@functools.cache
def _sqlite_answers(count: int) -> str:
    rows = ", ".join(f"(:id_{i}, :key_{i}, :value_{i})" for i in range(count))
    return (
        "INSERT INTO checkin_answer (id, round_id, question_key, value)"
        " SELECT answer.column1, checkin_round.id, answer.column2, answer.column3"
        f" FROM checkin_round, (VALUES {rows}) AS answer WHERE checkin_round.id = :round_id AND {_OPEN}"
    )


# By SQLAlchemy dialect name.
INTAKE_SQL: dict[str, IntakeSql] = {"postgresql": IntakeSql(), "sqlite": SqliteIntakeSql()}


def _forget_submission(
    session_factory: SessionFactory, round_id: uuid.UUID, voter: bytes, answer_ids: list[uuid.UUID]
) -> None:
    with session_factory.begin() as session:
        session.execute(delete(Answer).where(Answer.id.in_(answer_ids)))
        session.execute(
            delete(Participation).where(Participation.round_id == round_id, Participation.voter_hash == voter)
        )


# -- reminders ----------------------------------------------------------------------------------------


def mark_results_posted(*, session: Session, round_id: uuid.UUID, ts: str) -> None:
    """Kindred's record that the round's results are in the channel, so a retried job never repeats them."""
    _get_round(session, round_id).results_ts = ts


def mark_reminder_posted(*, session: Session, round_id: uuid.UUID, ts: str) -> None:
    """Kindred's record that the round's one reminder is in the channel, so a retried job never repeats it."""
    _get_round(session, round_id).reminder_ts = ts


# -- closing ------------------------------------------------------------------------------------------


def close_round(*, session: Session, round_id: uuid.UUID, now: datetime) -> bool:
    """Collapse a round into per-question histograms, erase everything row-level (docs/anonymity.md rule 3).

    Histograms, the respondent count and the shuffled comments stay until the round's publication takes
    them (slackapp/privacy/publish.py); the answer rows, the ledger, the invitees and the round secret go,
    all in this one transaction. Deleted rows stay in the table files
    until `remove_erased_rows` runs, right after this commits. The round also keeps the
    department its team is in now: the dashboard counts it there for good, so moving the team later
    cannot change a published total (slackapp/privacy/suppression.py).

    Returns:
        False if the round was already closed (closing is idempotent).
    """
    # The round's row is written first, on the state it has then: that holds the row (PostgreSQL) or the
    # database (SQLite) until this close commits, so a second close waits and then finds it closed. With
    # a read first (SQLite takes no lock for one), a second close went on after the first had committed,
    # counted no answers, and wrote 0 over the round's respondent count.
    still_open = session.execute(
        update(Round)
        .where(Round.id == round_id, Round.state != RoundState.CLOSED)
        .values(state=Round.state)
        .execution_options(synchronize_session=False)
    )
    round_ = session.get(Round, round_id, populate_existing=True)
    if round_ is None:
        raise NotFound("That check-in no longer exists.")
    if still_open.rowcount != 1:  # type: ignore[attr-defined]
        return False
    counts = session.execute(
        select(Answer.question_key, Answer.value, func.count())
        .where(Answer.round_id == round_id)
        .group_by(Answer.question_key, Answer.value)
    ).all()
    session.add_all(
        Histogram(round_id=round_id, question_key=key, value=value, count=count)
        for key, value, count in counts
    )
    per_question: dict[str, int] = {}
    for key, _value, count in counts:
        per_question[key] = per_question.get(key, 0) + count
    # Every scored question is required, so each respondent answered each one.
    round_.respondent_count = max(per_question.values(), default=0)

    bodies = list(session.scalars(select(Comment.body).where(Comment.round_id == round_id)))
    random.SystemRandom().shuffle(bodies)
    session.execute(delete(Comment).where(Comment.round_id == round_id))
    session.add_all(Comment(round_id=round_id, body=body) for body in bodies)

    session.execute(delete(Answer).where(Answer.round_id == round_id))
    session.execute(delete(Participation).where(Participation.round_id == round_id))
    session.execute(delete(Invitee).where(Invitee.round_id == round_id))
    round_.secret_ciphertext = None
    round_.department_id, round_.department_name = _department_now(session, round_)
    round_.state = RoundState.CLOSED
    round_.closes_at = min(round_.closes_at, now)
    # The results are posted after the period is published (slackapp/privacy/jobs.py), and show only
    # what the publication shows; here the invitation's button is retired.
    enqueue(session=session, kind=CheckinJob.RETIRE_INVITATION, subject_id=round_id, due_at=now)
    # The round's close job removes what this erased from the table files (`remove_erased_rows`). Closed
    # before its time (HR's "close now"), the job was still days away, and until then every ledger row and
    # the answers written just after it stayed in the files as dead tuples, with the old round row's
    # sealed secret: with the key, a copy of the files named who answered what (tests/privacy).
    bring_forward(session=session, kind=CheckinJob.CLOSE_ROUND, subject_id=round_id, due_at=now)
    schedule_publications(session=session, workspace_id=round_.workspace_id, now=now)
    return True


# What closing a round deletes or rewrites: its ledger, answers, invitees, comments (re-written shuffled)
# and the round row, whose earlier versions hold the sealed secret.
ERASED_AT_CLOSE: tuple[type[Base], ...] = (Participation, Answer, Invitee, Comment, Round)


def remove_erased_rows(
    *, session_factory: SessionFactory, models: Sequence[type[Base]] = ERASED_AT_CLOSE
) -> None:
    """Physically remove what closing rounds deleted, once the close has committed (docs/anonymity.md rule 3);
    with `models`, what another step deleted from those tables (publishing: `ERASED_AT_PUBLICATION`).

    A deleted row stays in PostgreSQL's table and index files as a dead tuple, with the transaction ids
    that link a ledger row to the answers written just after it, until a vacuum. So the worker vacuums
    the affected tables (outside any transaction, as VACUUM requires; INDEX_CLEANUP ON so the indexes'
    entries go too, which PostgreSQL may otherwise skip when few rows died). A transaction open elsewhere
    since before the close keeps those tuples until it ends; autovacuum removes them after that.

    SQLite overwrites deleted content as it deletes (`secure_delete`, set on every connection in
    slackapp/database.py); this empties its write-ahead log, which still holds the pages as they were.
    """
    with session_factory() as session:
        connection = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        if connection.dialect.name == "postgresql":
            tables = ", ".join(model.__tablename__ for model in models)
            connection.exec_driver_sql(f"VACUUM (INDEX_CLEANUP ON) {tables}")
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _department_now(session: Session, round_: Round) -> tuple[uuid.UUID | None, str | None]:
    """The id and name of the department the round's team is in (None, None without one)."""
    found = session.execute(
        select(Department.id, Department.name)
        .join(Team, Team.department_id == Department.id)
        .where(Team.workspace_id == round_.workspace_id, Team.channel_id == round_.channel_id)
    ).first()
    return (found.id, found.name) if found is not None else (None, None)


def close_round_now(*, session: Session, workspace_id: str, pulse_id: uuid.UUID, now: datetime) -> Round:
    """HR's "close the open round now": closes at once; the worker posts the results."""
    pulse = get_pulse(session=session, workspace_id=workspace_id, pulse_id=pulse_id)
    round_ = session.scalar(select(Round).where(Round.pulse_id == pulse.id, Round.state != RoundState.CLOSED))
    if round_ is None:
        raise NotFound("This check-in has no open round.")
    close_round(session=session, round_id=round_.id, now=now)
    return round_


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    mean: float


@dataclass(frozen=True)
class RoundResults:
    """What the channel's results post shows: its team's published cell and nothing more."""

    respondents: int | None  # None when the team's published cell is hidden
    invited: int | None
    questions: list[QuestionResult]  # empty when hidden
    hidden_reason: str | None = None  # the publication's reason, in words, when hidden


def results_from_cell(
    round_: Round,
    *,
    respondents: int | None,
    invited: int | None,
    means: Mapping[str, float],
    reason: str | None,
) -> RoundResults:
    """The post's content from the team's published cell (`slackapp.privacy.gate.published_team_cell`):
    the means it shows, in the order the round asked its questions."""
    if respondents is None:
        return RoundResults(respondents=None, invited=None, questions=[], hidden_reason=reason)
    shown = [
        QuestionResult(question=q, mean=means[q.key.value])
        for q in round_questions(round_)
        if q.key.value in means
    ]
    return RoundResults(respondents=respondents, invited=invited, questions=shown)
