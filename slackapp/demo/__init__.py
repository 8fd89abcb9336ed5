"""`kindred demo`: a synthetic organisation built through the real code paths, and the dashboard on it."""

from slackapp.demo.run import run_demo

__all__ = ["run_demo"]
