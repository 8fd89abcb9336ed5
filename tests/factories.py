"""Test data made through the real service functions, in one place."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slackapp.cadence.schedule import Cadence
from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.models import Pulse, Round
from slackapp.checkins.questions import DEFAULT_QUESTION_KEYS
from slackapp.checkins.service import (
    PulseSpec,
    create_pulse,
    get_round,
    invite_people,
    open_round_now,
    record_answers,
)
from slackapp.database import SessionFactory, utcnow

WORKSPACE = "T0KINDRED"
SECRET_KEY = "test-secret-key-not-for-production-0123456789-AbCdEfGhIjK"
HR_ADMIN = "U0HRADMIN"


def round_secrets() -> RoundSecrets:
    return RoundSecrets(SECRET_KEY)


def weekday_ahead(days: int = 4) -> int:
    """The weekday `days` days from today in London (0 is Monday).

    Schedules in tests fall on it, so that whatever day and hour the suite runs, the next scheduled
    opening is `days - 1` to `days` days away and a test moving its clock by less never meets one it
    did not ask for.
    """
    return (utcnow().astimezone(ZoneInfo("Europe/London")).weekday() + days) % 7


def pulse_spec(channel_id: str = "C0TEAM", **changes: Any) -> PulseSpec:
    spec = PulseSpec(
        channel_id=channel_id,
        cadence=Cadence.WEEKLY,
        weekday=weekday_ahead(),
        local_time="09:30",
        timezone="Europe/London",
        open_hours=72,
        question_keys=DEFAULT_QUESTION_KEYS,
        comments_enabled=True,
        reminder_enabled=True,
    )
    return replace(spec, **changes)


def make_pulse(
    session_factory: SessionFactory,
    channel_id: str = "C0TEAM",
    *,
    now: datetime | None = None,
    **changes: Any,
) -> Pulse:
    with session_factory.begin() as session:
        return create_pulse(
            session=session,
            workspace_id=WORKSPACE,
            spec=pulse_spec(channel_id, **changes),
            created_by=HR_ADMIN,
            now=now or utcnow(),
        )


def make_open_round(
    session_factory: SessionFactory,
    channel_id: str = "C0TEAM",
    *,
    now: datetime | None = None,
    **changes: Any,
) -> Round:
    pulse = make_pulse(session_factory, channel_id, now=now, **changes)
    with session_factory.begin() as session:
        return open_round_now(
            session=session,
            workspace_id=WORKSPACE,
            pulse_id=pulse.id,
            now=now or utcnow(),
            round_secrets=round_secrets(),
        )


def scores(**overrides: int) -> dict[str, int | None]:
    base: dict[str, int | None] = {key.value: 4 for key in DEFAULT_QUESTION_KEYS}
    base["stress"] = 2
    base.update(overrides)
    return base


def invite(session_factory: SessionFactory, round_id: uuid.UUID, *user_ids: str) -> None:
    """Make people invitees of an open round, as if they had been in its channel when it opened."""
    with session_factory.begin() as session:
        round_ = get_round(session=session, round_id=round_id)
        invite_people(session=session, round_=round_, user_ids=user_ids, round_secrets=round_secrets())


def answer(
    session_factory: SessionFactory,
    round_id: uuid.UUID,
    user_id: str,
    answers: Mapping[str, int | None] | None = None,
    comment: str | None = None,
    now: datetime | None = None,
    *,
    invite_first: bool = True,
) -> None:
    """`user_id` answers the round; with `invite_first`, first made one of its invitees if they are not yet
    (as if they had been in its channel when it opened), through the service the worker uses."""
    if invite_first:
        with session_factory() as session:
            open_ = get_round(session=session, round_id=round_id).secret_ciphertext is not None
        if open_:
            invite(session_factory, round_id, user_id)
    with session_factory() as session:
        round_ = get_round(session=session, round_id=round_id)
    record_answers(
        session_factory=session_factory,
        round_=round_,
        user_id=user_id,
        answers=answers if answers is not None else scores(),
        comment=comment,
        round_secrets=round_secrets(),
        now=now or utcnow(),
    )
