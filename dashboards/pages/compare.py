"""The compare page; its layout is a function, so every load re-reads through the privacy gate."""

from __future__ import annotations

import dash
from dash.development.base_component import Component

from dashboards.navigation import Page
from dashboards.panels import render_page

dash.register_page(  # type: ignore[no-untyped-call]
    __name__, path="/compare", name=Page.COMPARE.heading, title=f"{Page.COMPARE.heading} · Kindred"
)


def layout(unit: str | None = None, first: str | None = None, **_query: str) -> Component:
    return render_page(Page.COMPARE, unit, first=first)
