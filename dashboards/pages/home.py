"""The landing page: "Where to act" for HR and department heads, a team's overview for its manager."""

from __future__ import annotations

import dash
from dash.development.base_component import Component

from dashboards.panels import render_page

dash.register_page(__name__, path="/", name="Kindred", title="Kindred dashboard")  # type: ignore[no-untyped-call]


def layout(unit: str | None = None, **_query: str) -> Component:
    return render_page(None, unit)
