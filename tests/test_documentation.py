"""The documentation travels with the code: nothing points outside the repository, every link in the README
and docs/ leads somewhere, and every setting Kindred reads is in the README's environment table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import repo_root

ROOT = repo_root()
SKIPPED_FOLDERS = {".git", ".venv", "venv", "build", "dist", "__pycache__", "node_modules"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".ini", ".sh", ".json", ".txt", ".mako", ".cfg", ".yml", ".yaml"}
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _project_text_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIPPED_FOLDERS or any(p.endswith((".egg-info", "_cache")) for p in parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in {"Procfile", "run", "dev.sh"}):
            files.append(path)
    return files


def test_nothing_in_the_repository_points_at_documents_a_user_does_not_have() -> None:
    outside = re.compile(r"\.\./shared|DESIGN\.md")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _project_text_files()
        if path != Path(__file__)
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if outside.search(line)
    ]
    assert found == [], "these refer to documents outside the repository (use docs/): " + ", ".join(found)


def _anchors(document: Path) -> set[str]:
    """GitHub's anchors for a Markdown file's headings."""
    headings = re.findall(r"^#+\s+(.*)$", document.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_link_in_the_documentation_leads_to_a_file_and_heading_that_exist(document: Path) -> None:
    broken = []
    for target in LINK.findall(document.read_text()):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        linked = (document.parent / path_part).resolve() if path_part else document
        missing_heading = bool(anchor) and linked.suffix == ".md" and anchor not in _anchors(linked)
        if not linked.exists() or missing_heading:
            broken.append(target)
    assert broken == []


def test_the_docs_cover_architecture_anonymity_deployment_and_operations() -> None:
    docs = {d.name for d in DOCUMENTS}
    assert {"architecture.md", "anonymity.md", "deployment.md", "operations.md"} <= docs
    readme = (ROOT / "README.md").read_text()
    for name in ("architecture", "anonymity", "deployment", "operations"):
        assert f"(docs/{name}.md)" in readme, f"the README does not link docs/{name}.md"


def test_every_variable_kindred_reads_is_in_the_readmes_environment_table() -> None:
    read = set(
        re.findall(
            r'"((?:SLACK|KINDRED|DATABASE)_[A-Z_]+|PORT)"', (ROOT / "slackapp/settings.py").read_text()
        )
    )
    assert read, "found no variable names in slackapp/settings.py"
    table = (ROOT / "README.md").read_text().split("## Environment", 1)[1]
    missing = sorted(name for name in read if f"`{name}`" not in table)
    assert missing == [], f"not in the README's environment table: {missing}"
