"""The dashboard on the real web app, a way to sign in as someone, and calls to pages and callbacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import dash._pages
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from dashboards.auth import SESSION_KEY
from dashboards.context import EXTENSION
from slackapp.app import create_app
from slackapp.dashboard_sessions import start_session
from slackapp.database import SessionFactory
from slackapp.settings import Settings
from slackapp.web import create_web_app
from tests.factories import HR_ADMIN, WORKSPACE
from tests.org_factories import OrgBuilder

BASE_URL = "https://kindred.example.com"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oidc-client-secret"
MANAGER_A = "U0MANAGERA"
MANAGER_OPS = "U0MANAGEROPS"
SOMEONE = "U0SOMEONE"


@pytest.fixture
def dashboard_settings(settings: Settings) -> Settings:
    return replace(settings, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET)


@pytest.fixture
def dashboard(
    dashboard_settings: Settings, session_factory: SessionFactory, engine: Engine
) -> Iterator[Dashboard]:
    # Dash keeps its page registry in a module global: start each test from an empty one.
    dash._pages.PAGE_REGISTRY.clear()
    web = create_web_app(create_app(dashboard_settings, session_factory), engine, dashboard_settings)
    yield Dashboard(web.test_client())
    dash._pages.PAGE_REGISTRY.clear()


@pytest.fixture
def org(session_factory: SessionFactory) -> OrgBuilder:
    """Engineering: A (8), B (7), C (3, too small); Operations: D (9), E (11). Two weeks of results."""
    builder = OrgBuilder(session_factory)
    builder.department("Engineering")
    builder.department("Operations")
    for channel in "ABC":
        builder.team(f"C0{channel}", f"Team {channel}", "Engineering")
    for channel in "DE":
        builder.team(f"C0{channel}", f"Team {channel}", "Operations")
    builder.manager(MANAGER_A, teams=["C0A"])
    builder.manager(MANAGER_OPS, departments=["Operations"])
    for n in range(2):
        builder.week(n, {"C0A": 8, "C0B": 7, "C0C": 3, "C0D": 9, "C0E": 11})
    builder.publish()  # the worker publishes each week once it is over
    return builder


@dataclass
class Dashboard:
    client: FlaskClient

    def sign_in_as(self, user_id: str, *, admin: bool = False, expires_in: int = 3600) -> None:
        """Start a server-side session and put its token in the signed cookie, as Sign in with Slack does."""
        context = self.client.application.extensions[EXTENSION]
        with context.session_factory.begin() as db:
            token = start_session(
                session=db,
                workspace_id=WORKSPACE,
                user_id=user_id,
                name=user_id,
                workspace_admin=admin,
                now=context.clock(),
                lifetime=timedelta(seconds=expires_in),
            )
        with self.client.session_transaction(base_url=BASE_URL) as session:
            session[SESSION_KEY] = token

    def sign_in_as_hr(self) -> None:
        self.sign_in_as(HR_ADMIN, admin=True)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, base_url=BASE_URL, **kwargs)

    def page(self, path: str = "/dashboard/", search: str = "") -> dict[str, Any]:
        """What Dash's page router returns for a URL: the page layout as the browser receives it."""
        reply = self.client.post(
            "/dashboard/_dash-update-component",
            base_url=BASE_URL,
            json={
                "output": ".._pages_content.children..._pages_store.data..",
                "outputs": [
                    {"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"},
                ],
                "inputs": [
                    {"id": "_pages_location", "property": "pathname", "value": path},
                    {"id": "_pages_location", "property": "search", "value": search},
                ],
                "changedPropIds": ["_pages_location.pathname"],
                "state": [],
            },
        )
        assert reply.status_code == 200, reply.data
        return dict(reply.get_json()["response"]["_pages_content"]["children"])

    def switch(self, page: str, unit: str | None) -> Any:
        """The unit picker's callback, with whatever value a (possibly tampered) browser sends: it answers
        with the URL to go to, and the page at that URL decides what may be shown."""
        return self.client.post(
            "/dashboard/_dash-update-component",
            base_url=BASE_URL,
            json={
                "output": "kindred-url.href",
                "outputs": {"id": "kindred-url", "property": "href"},
                "inputs": [{"id": "kindred-unit", "property": "value", "value": unit}],
                "state": [
                    {"id": "kindred-page", "property": "data", "value": page},
                    {"id": "kindred-shown-unit", "property": "data", "value": None},
                ],
                "changedPropIds": ["kindred-unit.value"],
            },
        )


def find(layout: Any, component_id: str) -> dict[str, Any] | None:
    """The component with this id anywhere in a layout's JSON."""
    if isinstance(layout, dict):
        props = layout.get("props", {})
        if props.get("id") == component_id:
            return layout
        for value in props.values():
            found = find(value, component_id)
            if found is not None:
                return found
    elif isinstance(layout, list):
        for item in layout:
            found = find(item, component_id)
            if found is not None:
                return found
    return None


def text_of(layout: Any) -> str:
    return json.dumps(layout)


def table_rows(layout: Any) -> list[list[str]]:
    """The wide table as the rows it stands for, one value a column (as the CSV has them)."""
    table = find(layout, "kindred-table")
    assert table is not None
    _caption, head, body = table["props"]["children"]
    columns = [th["props"]["children"] for th in head["props"]["children"]["props"]["children"]]
    rows = [row_values(tr["props"]["children"]) for tr in body["props"]["children"]]
    assert all(len(row) == len(columns) for row in rows), rows
    return [columns, *rows]


def row_values(cells: list[dict[str, Any]]) -> list[str]:
    """A row's cells, one value a column: a cell spanning n columns (a hidden row's note, under the
    numbers it stands for) reads as n - 1 blanks and then its text, under the last column it spans."""
    values: list[str] = []
    for cell in cells:
        props = cell.get("props", {})
        values += [""] * (int(props.get("colSpan", 1)) - 1) + [props.get("children", "")]
    return values


def picker_choices(layout: Any) -> list[dict[str, str]]:
    """The unit picker's choices in order, out of their groups ("Departments", "Teams"), each with the
    heading it is listed under as "group"."""
    picker = find(layout, "kindred-unit")
    assert picker is not None
    return [{**o, "group": g["group"]} for g in picker["props"]["data"] for o in g["items"]]


def dropdown_values(layout: Any) -> list[str]:
    return [o["value"] for o in picker_choices(layout)]


def nav_links(layout: Any) -> dict[str, str]:
    """Each tab the page offers (by page) and where its link goes."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props.get("id"), str) and props["id"].startswith("tab-"):
                found[props["id"][4:]] = props["href"]
            for value in props.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(layout)
    return found
