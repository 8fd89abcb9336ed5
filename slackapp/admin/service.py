"""Kindred admins and the professional-help contact, without Slack."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.admin.models import KindredAdmin, ProfessionalHelp
from slackapp.errors import InvalidInput


@dataclass(frozen=True)
class HelpContact:
    """Professional help (EAP, counselling, a crisis line) that check-ins point to."""

    name: str
    url: str | None
    phone: str | None


PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()./-]{2,38}$")


def is_kindred_admin(*, session: Session, workspace_id: str, user_id: str) -> bool:
    return session.get(KindredAdmin, (workspace_id, user_id)) is not None


def list_kindred_admins(*, session: Session, workspace_id: str) -> list[str]:
    return list(
        session.scalars(
            select(KindredAdmin.user_id)
            .where(KindredAdmin.workspace_id == workspace_id)
            .order_by(KindredAdmin.added_at, KindredAdmin.user_id)
        )
    )


def add_kindred_admin(
    *, session: Session, workspace_id: str, user_id: str, added_by: str, now: datetime
) -> None:
    if not is_kindred_admin(session=session, workspace_id=workspace_id, user_id=user_id):
        session.add(KindredAdmin(workspace_id=workspace_id, user_id=user_id, added_by=added_by, added_at=now))


def remove_kindred_admin(*, session: Session, workspace_id: str, user_id: str) -> None:
    admin = session.get(KindredAdmin, (workspace_id, user_id))
    if admin is not None:
        session.delete(admin)


def get_help_contact(*, session: Session, workspace_id: str) -> HelpContact | None:
    row = session.get(ProfessionalHelp, workspace_id)
    return HelpContact(name=row.name, url=row.url, phone=row.phone) if row else None


def set_help_contact(
    *, session: Session, workspace_id: str, contact: HelpContact, updated_by: str, now: datetime
) -> HelpContact:
    """Save the workspace's professional-help contact.

    Raises:
        InvalidInput: by field ("name", "url", "phone"), in plain words.
    """
    name = contact.name.strip()
    url = (contact.url or "").strip() or None
    phone = (contact.phone or "").strip() or None
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = (
            'Give the service a name people will recognise, like "Employee Assistance Programme".'
        )
    elif len(name) > 150:
        errors["name"] = "Keep the name under 150 characters."
    if url is not None and not is_https_url(url):
        errors["url"] = "Use a full https:// link, like https://eap.example.com."
    if phone is not None and not PHONE_PATTERN.match(phone):
        errors["phone"] = "Use digits, spaces and an optional leading +, like +44 800 123 4567."
    if url is None and phone is None and "url" not in errors:
        errors["url"] = "Give at least a link or a phone number, so people can reach the service."
    if errors:
        raise InvalidInput(errors)
    row = session.get(ProfessionalHelp, workspace_id)
    if row is None:
        row = ProfessionalHelp(workspace_id=workspace_id)
        session.add(row)
    row.name, row.url, row.phone, row.updated_by, row.updated_at = name, url, phone, updated_by, now
    return HelpContact(name=name, url=url, phone=phone)


def is_https_url(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and "." in (parts.hostname or "")
        and len(value) <= 500
    )
