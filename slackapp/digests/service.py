"""Which weeks are complete, what each manager's digest says, and the one-per-manager claim. No Slack here.

Every number comes through the privacy gate with the manager's own scope: the digest shows exactly
what their dashboard shows for that week (a hidden team says so, with the reason), never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.checkins.models import Round
from slackapp.digests.models import DigestSent
from slackapp.org.service import load_org
from slackapp.privacy.gate import Gate, PrivacyRules
from slackapp.privacy.models import Publication
from slackapp.privacy.scope import Viewer
from slackapp.privacy.suppression import UnitKind

# A week is announced only while it is fresh: a worker started after a long pause, or a new install with
# a history, does not send digests about old weeks.
FRESH_FOR = timedelta(days=7)


@dataclass(frozen=True)
class Headline:
    team: str
    respondents: int | None  # None: hidden
    wellbeing: float | None
    previous: float | None = None


@dataclass(frozen=True)
class Digest:
    user_id: str
    week: date
    headlines: tuple[Headline, ...]
    hidden_reason: str


def completed_week(*, session: Session, workspace_id: str, now: datetime) -> date | None:
    """The latest published week, if it was published within `FRESH_FOR`; else None.

    A digest follows a publication, never a close: it shows only what that frozen publication shows.
    """
    row = session.execute(
        select(Publication.period, Publication.published_at)
        .where(Publication.workspace_id == workspace_id)
        .order_by(Publication.period.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return row.period if now - row.published_at <= FRESH_FOR else None


def workspaces_with_rounds(*, session: Session) -> list[str]:
    return list(session.scalars(select(Round.workspace_id).group_by(Round.workspace_id)))


def managers(*, session: Session, workspace_id: str) -> list[str]:
    """Everyone HR has made a manager of a team or a department."""
    org = load_org(session=session, workspace_id=workspace_id)
    return sorted(set(org.managed_teams) | set(org.managed_departments))


def build_digest(*, session: Session, viewer: Viewer, rules: PrivacyRules, week: date) -> Digest | None:
    """The manager's teams in `week`, as their dashboard shows them; None when none of them took part."""
    gate = Gate(session=session, viewer=viewer, rules=rules)
    headlines: list[Headline] = []
    for unit in gate.units():
        if unit.kind is not UnitKind.TEAM:
            continue
        cells = gate.series(unit, questions=("wellbeing",))
        now = next((c for c in cells if c.period == week), None)
        if now is None:
            continue
        earlier = [c for c in cells if c.period < week and "wellbeing" in c.questions]
        wellbeing = now.questions.get("wellbeing")
        headlines.append(
            Headline(
                team=gate.name(unit),
                respondents=now.respondents,
                wellbeing=wellbeing.mean if wellbeing else None,
                previous=earlier[-1].questions["wellbeing"].mean if earlier and wellbeing else None,
            )
        )
    if not headlines:
        return None
    return Digest(viewer.user_id, week, tuple(headlines), rules.hidden_reason)


def claim_digest(*, session: Session, workspace_id: str, week: date, user_id: str, now: datetime) -> bool:
    """True for the one worker that may send this manager this week's digest."""
    try:
        with session.begin_nested():
            session.add(DigestSent(workspace_id=workspace_id, week=week, user_id=user_id, sent_at=now))
    except IntegrityError:
        return False
    return True


def release_digest(*, session: Session, workspace_id: str, week: date, user_id: str) -> None:
    """Give a claim back when the DM did not go, so the next run sends it."""
    session.execute(
        delete(DigestSent).where(
            DigestSent.workspace_id == workspace_id, DigestSent.week == week, DigestSent.user_id == user_id
        )
    )


def sent_count(*, session: Session, workspace_id: str, week: date) -> int:
    return int(
        session.scalar(
            select(func.count()).where(DigestSent.workspace_id == workspace_id, DigestSent.week == week)
        )
        or 0
    )
