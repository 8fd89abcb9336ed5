"""Placeholder until the dashboard lands: the demo needs the dashboard to show anything."""

from __future__ import annotations


def run_demo(*, port: int) -> int:
    raise NotImplementedError("the demo arrives with the dashboard")
