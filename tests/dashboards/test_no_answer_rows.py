"""The dashboard package cannot reach answer rows: it imports no answer, ledger, histogram or comment model,
and nothing from the check-in tables at all; its numbers come through `slackapp.privacy.gate`."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import repo_root

FORBIDDEN_MODULES = ("slackapp.checkins.models", "slackapp.checkins.service", "slackapp.checkins.ledger")
FORBIDDEN_NAMES = {"Answer", "Participation", "Histogram", "Comment", "Invitee"}


def imports_of(path: Path) -> list[tuple[str, set[str]]]:
    found: list[tuple[str, set[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, set()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", {alias.name for alias in node.names}))
    return found


def test_dashboards_import_no_answer_ledger_or_histogram_models() -> None:
    files = sorted((repo_root() / "dashboards").rglob("*.py"))
    assert files, "the dashboards package has moved"
    problems = [
        f"{path.relative_to(repo_root())}: {module} {sorted(names)}"
        for path in files
        for module, names in imports_of(path)
        if module.startswith(FORBIDDEN_MODULES)
        or names & FORBIDDEN_NAMES
        or (module == "slackapp.checkins" and names & {"models", "service", "ledger"})
        or (module.startswith("sqlalchemy") and names & {"select", "text"})
    ]
    assert problems == []


def test_dashboard_numbers_come_only_through_the_gate() -> None:
    queries = repo_root() / "dashboards" / "queries.py"
    modules = {module for module, _names in imports_of(queries) if module.startswith("slackapp")}
    assert modules <= {"slackapp.privacy.gate", "slackapp.privacy.suppression"}


def test_the_gate_reads_only_publications() -> None:
    """The reader behind every surface reads published cells: no histogram, answer, ledger or round row
    (comments, shown only beside a published cell big enough for them, are the one text it reads)."""
    gate = repo_root() / "slackapp" / "privacy" / "gate.py"
    names = {name for module, found in imports_of(gate) if module.startswith("slackapp") for name in found}
    modules = {module for module, _found in imports_of(gate)}
    assert not names & (FORBIDDEN_NAMES - {"Comment"} | {"Round", "publish_due_periods"})
    assert "slackapp.checkins.service" not in modules and "slackapp.checkins.ledger" not in modules
