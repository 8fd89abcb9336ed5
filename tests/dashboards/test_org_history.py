"""The dashboard after HR restructures: past weeks stay as they were published, for the right viewers."""

from __future__ import annotations

from typing import Any

from tests.dashboards.conftest import (
    MANAGER_OPS,
    Dashboard,
    dropdown_values,
    find,
    picker_choices,
    table_rows,
)
from tests.org_factories import OrgBuilder


def picker_labels(layout: Any) -> dict[str, str]:
    return {o["value"]: f"{o['group']}: {o['label']}" for o in picker_choices(layout)}


def answers_per_week(layout: Any) -> list[str]:
    return [row[1] for row in table_rows(layout)[1:]]


def test_hr_still_sees_a_deleted_departments_past_weeks(dashboard: Dashboard, org: OrgBuilder) -> None:
    engineering = f"department:{org.delete_department('Engineering')}"
    dashboard.sign_in_as_hr()
    labels = picker_labels(dashboard.page("/dashboard/overview"))
    assert labels[engineering] == "Departments: Engineering (deleted)"
    assert list(labels).index(engineering) > list(labels).index(f"department:{org.departments['Operations']}")
    layout = dashboard.page("/dashboard/overview", f"?unit={engineering}")
    assert answers_per_week(layout) == ["18", "18"]  # A, B and C, as published when they closed
    assert engineering in dropdown_values(dashboard.page("/dashboard/questions"))
    # Compare sets a department's teams of today side by side: a deleted department has none.
    assert engineering not in dropdown_values(dashboard.page("/dashboard/compare"))
    assert dashboard.get(f"/dashboard/export/overview.csv?unit={engineering}").status_code == 200


def test_no_manager_can_ask_for_a_deleted_department(dashboard: Dashboard, org: OrgBuilder) -> None:
    engineering = f"department:{org.delete_department('Engineering')}"
    dashboard.sign_in_as(MANAGER_OPS)
    assert engineering not in dropdown_values(dashboard.page("/dashboard/overview"))
    assert find(dashboard.page("/dashboard/overview", f"?unit={engineering}"), "not-yours") is not None
    assert dashboard.get(f"/dashboard/export/overview.csv?unit={engineering}").status_code == 403


def test_a_moved_team_joins_its_new_departments_scope_not_its_past_totals(
    dashboard: Dashboard, org: OrgBuilder
) -> None:
    org.move("C0C", "Operations")
    operations = f"department:{org.departments['Operations']}"
    dashboard.sign_in_as(MANAGER_OPS)
    assert dropdown_values(dashboard.page("/dashboard/overview")) == [
        operations,
        "team:C0C",
        "team:C0D",
        "team:C0E",
    ]
    assert answers_per_week(dashboard.page("/dashboard/overview", f"?unit={operations}")) == ["20", "20"]
    dashboard.sign_in_as_hr()
    engineering = f"department:{org.departments['Engineering']}"
    assert answers_per_week(dashboard.page("/dashboard/overview", f"?unit={engineering}")) == ["18", "18"]
    org.week(2, {"C0A": 8, "C0B": 7, "C0C": 3, "C0D": 9, "C0E": 11})
    org.publish()  # the worker publishes the week once it is over
    assert answers_per_week(dashboard.page("/dashboard/overview", f"?unit={engineering}")) == [
        "18",
        "18",
        "15",
    ]
    assert answers_per_week(dashboard.page("/dashboard/overview", f"?unit={operations}")) == [
        "20",
        "20",
        "23",
    ]
