"""The resource views stay within Slack's limits however big the directory grows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slackapp.database import SessionFactory, utcnow
from slackapp.resources.models import ResourceAudit
from slackapp.resources.service import DirectoryFilter, set_entry_archived
from slackapp.resources.views import build_admin_blocks, build_audit_view, build_directory, build_entry_form
from tests.factories import HR_ADMIN, WORKSPACE
from tests.resource_factories import group_spec, make_entry, professional_spec


def test_a_large_directory_still_fits_in_a_modal_and_in_the_home_tab(session_factory: SessionFactory) -> None:
    groups = [
        make_entry(
            session_factory,
            group_spec(f"Group {n}", description="x" * 1000, tags=tuple(f"t{n}-{i}" for i in range(10))),
        )
        for n in range(60)
    ]
    professional = [make_entry(session_factory, professional_spec(f"Line {n}")) for n in range(5)]
    with session_factory.begin() as session:
        for entry in groups[:10]:
            set_entry_archived(
                session=session,
                workspace_id=WORKSPACE,
                entry_id=entry.id,
                archived=True,
                by=HR_ADMIN,
                now=utcnow(),
            )

    tags = sorted({tag for g in groups for tag in g.tags})
    view = build_directory(
        professional=professional, groups=groups, tags=tags, wanted=DirectoryFilter(), region="UK"
    ).to_dict()
    assert len(view["blocks"]) <= 100
    assert "Groups 1-10 of 60." in json.dumps(view)

    admin = build_admin_blocks(groups + professional)
    assert len(admin) <= 30
    assert all(block.to_dict() for block in admin)
    assert build_entry_form(groups[0]).to_dict()["private_metadata"]


def test_the_audit_log_splits_long_histories_into_sections_slack_accepts() -> None:
    rows = [
        ResourceAudit(
            workspace_id=WORKSPACE,
            entry_name=f"Group {n}",
            actor_id=HR_ADMIN,
            action="edited",
            changes={"description": ["a" * 200, "b" * 200], "name": [f"Group {n}", f"Group {n}!"]},
            at=datetime(2026, 11, 1, 9, tzinfo=UTC),
        )
        for n in range(30)
    ]
    view = build_audit_view(rows).to_dict()
    sections = [b for b in view["blocks"] if b["type"] == "section"]
    assert len(sections) > 1 and all(len(b["text"]["text"]) <= 3000 for b in sections)
