"""Resource-directory test data, made through the real service functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from slackapp.database import SessionFactory, utcnow
from slackapp.fair_use.models import PersonPace
from slackapp.models import Base
from slackapp.resources.ids import EntryBlock, ResourceAction
from slackapp.resources.models import ResourceEntry
from slackapp.resources.service import EntrySpec, create_entry
from tests.factories import HR_ADMIN, WORKSPACE
from tests.slack_requests import checkboxes, conversation, multi_static_select, static_select, text, user

CONTACT = "U0CONTACT"


def group_spec(name: str = "Parents at Work", **changes: Any) -> EntrySpec:
    spec = EntrySpec(
        kind="employee_group",
        name=name,
        description="Parents and carers swapping tips and cover.",
        channel_id="C0PARENTS",
        contact_id=CONTACT,
        support_kinds=("practical", "belonging"),
        tags=("new parents", "caregivers"),
    )
    return replace(spec, **changes)


def professional_spec(name: str = "Employee Assistance Programme", **changes: Any) -> EntrySpec:
    spec = EntrySpec(
        kind="professional",
        name=name,
        description="Free, confidential counselling, day and night.",
        url="https://eap.example.com",
        phone="+44 800 123 4567",
        support_kinds=("emotional", "advice"),
    )
    return replace(spec, **changes)


def make_entry(session_factory: SessionFactory, spec: EntrySpec | None = None) -> ResourceEntry:
    with session_factory.begin() as session:
        return create_entry(
            session=session,
            workspace_id=WORKSPACE,
            spec=spec or group_spec(),
            created_by=HR_ADMIN,
            now=utcnow(),
        )


def entry_form(
    *,
    kind: str | None = "support_group",
    name: str | None = "Grief support",
    description: str | None = "A quiet space to talk about loss.",
    channel_id: str | None = "C0GRIEF",
    contact_id: str | None = CONTACT,
    url: str | None = "https://intranet.example.com/grief",
    phone: str | None = None,
    support_kinds: tuple[str, ...] = ("emotional",),
    tags: str | None = "grief, mental health",
    needs_approval: bool = False,
    regions: str | None = None,
) -> dict[str, dict[str, Any]]:
    """The entry form's state as Slack submits it."""
    field = ResourceAction.ENTRY_FIELD
    return {
        EntryBlock.KIND: {field: static_select(kind)},
        EntryBlock.NAME: {field: text(name)},
        EntryBlock.DESCRIPTION: {field: text(description)},
        EntryBlock.CHANNEL: {field: conversation(channel_id)},
        EntryBlock.CONTACT: {field: user(contact_id)},
        EntryBlock.URL: {field: text(url)},
        EntryBlock.PHONE: {field: text(phone)},
        EntryBlock.SUPPORT_KINDS: {field: checkboxes(support_kinds)},
        EntryBlock.TAGS: {field: text(tags)},
        EntryBlock.OPTIONS: {field: checkboxes(["needs_approval"] if needs_approval else [])},
        # HR picks countries (or keeps a continent typed before) from a multi-select.
        EntryBlock.REGIONS: {
            field: multi_static_select(r.strip() for r in (regions or "").split(",") if r.strip())
        },
    }


def snapshot(
    session_factory: SessionFactory, *, leave_out: tuple[str, ...] = ()
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but those left out), to show that something changed nothing.

    Fair use's per-person request counts are never compared: they count every request, refused or not.
    """
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in leave_out or table.name == PersonPace.__tablename__:
                continue
            rows = session.execute(select(table)).all()
            tables[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return tables


def count(session_factory: SessionFactory, model: type[Base]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def months_ago(count: int, day: int = 10) -> datetime:
    """A moment `count` months before this one (on `day` of that month, at noon UTC): resource groups
    are shown over completed months, so a test writes their history there."""
    moment = utcnow().replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    for _ in range(count):
        moment = (moment - timedelta(days=1)).replace(day=1)
    return moment.replace(day=day)
