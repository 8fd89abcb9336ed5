"""The support page; its layout is a function, so every load re-reads through the privacy gate."""

from __future__ import annotations

import dash
from dash.development.base_component import Component

from dashboards.navigation import Page
from dashboards.panels import render_page

dash.register_page(  # type: ignore[no-untyped-call]
    __name__, path="/support", name=Page.SUPPORT.heading, title=f"{Page.SUPPORT.heading} · Kindred"
)


def layout(unit: str | None = None, **_query: str) -> Component:
    return render_page(Page.SUPPORT, unit)
