"""Dashboard sign-in sessions kept on the server, so signing out ends them and a leader's role is re-checked.

The cookie carries only a random token; the table keeps its SHA-256, so a database dump holds no usable
session. Signing out deletes the row: a cookie copied before then opens nothing afterwards.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from slackapp.database import DELETE_ROW, Base, SlackId, Timestamp, person

SESSION_LIFETIME = timedelta(hours=8)
# How long Slack's word that someone is a workspace admin or owner is trusted before it is asked again.
ROLE_RECHECK_AFTER = timedelta(minutes=5)


class DashboardSession(Base):
    """One signed-in leader on the dashboard, until they sign out or it expires."""

    __tablename__ = "dashboard_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[SlackId]
    user_id: Mapped[SlackId] = mapped_column(
        index=True, info=person(DELETE_ROW, "You are signed in to the dashboard in {n} browser(s).")
    )
    name: Mapped[str] = mapped_column(String(150))
    workspace_admin: Mapped[bool]
    role_checked_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp] = mapped_column(index=True)


@dataclass(frozen=True)
class SignedInPerson:
    workspace_id: str
    user_id: str
    name: str
    workspace_admin: bool
    role_checked_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    *,
    session: Session,
    workspace_id: str,
    user_id: str,
    name: str,
    workspace_admin: bool,
    now: datetime,
    lifetime: timedelta = SESSION_LIFETIME,
) -> str:
    """Record a new session and return its token (for the cookie only; the table keeps its hash).

    Expired sessions of anyone are deleted on the way, so the table holds only live ones.
    """
    session.execute(delete(DashboardSession).where(DashboardSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        DashboardSession(
            token_hash=_hash(token),
            workspace_id=workspace_id,
            user_id=user_id,
            name=name[:150],
            workspace_admin=workspace_admin,
            role_checked_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def find_session(*, session: Session, token: str, now: datetime) -> SignedInPerson | None:
    """Who holds this token, or None when it was signed out, expired or never existed."""
    row = session.get(DashboardSession, _hash(token))
    if row is None or row.expires_at <= now:
        return None
    return SignedInPerson(
        workspace_id=row.workspace_id,
        user_id=row.user_id,
        name=row.name,
        workspace_admin=row.workspace_admin,
        role_checked_at=row.role_checked_at,
    )


def record_role(*, session: Session, token: str, workspace_admin: bool, now: datetime) -> None:
    """Store what Slack said just now about the person's admin role."""
    row = session.get(DashboardSession, _hash(token))
    if row is not None:
        row.workspace_admin = workspace_admin
        row.role_checked_at = now


def end_session(*, session: Session, token: str) -> None:
    """Sign out: the token opens nothing from now on."""
    session.execute(delete(DashboardSession).where(DashboardSession.token_hash == _hash(token)))


def end_sessions_of(*, session: Session, workspace_id: str, user_id: str) -> None:
    """Sign a person out everywhere (when Slack says their account is gone, or they delete their data)."""
    session.execute(
        delete(DashboardSession).where(
            DashboardSession.workspace_id == workspace_id, DashboardSession.user_id == user_id
        )
    )
