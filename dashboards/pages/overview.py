"""The overview page; its layout is a function, so every load re-reads through the privacy gate."""

from __future__ import annotations

import dash
from dash.development.base_component import Component

from dashboards.panels import Page, render_page

dash.register_page(__name__, path="/", name=Page.OVERVIEW.heading, title=f"{Page.OVERVIEW.heading} · Kindred")  # type: ignore[no-untyped-call]


def layout(unit: str | None = None, **_query: str) -> Component:
    return render_page(Page.OVERVIEW, unit)
