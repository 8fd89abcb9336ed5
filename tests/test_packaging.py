"""What a company installs: the wheel holds every migration and the licence, and the lock file pins every
runtime requirement, with hashes, at a version pyproject.toml allows."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "slackapp" / "migrations"
LOCK_FILE = ROOT / "requirements" / "production.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The wheel `python -m build` makes (by way of the sdist, as a release would)."""
    outdir = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = outdir.glob("kindred-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_every_migration_revision_and_the_alembic_environment(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    revisions = sorted(MIGRATIONS.glob("versions/*.py"))
    assert revisions, "no migration revisions found in the source tree"
    expected = {f"slackapp/migrations/versions/{revision.name}" for revision in revisions}
    assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"
    assert {"slackapp/migrations/env.py", "slackapp/migrations/script.py.mako"} <= names
    assert "slackapp/manifest.json" in names


def test_the_wheel_says_apache_2_and_carries_the_licence(wheel: zipfile.ZipFile) -> None:
    (metadata_name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = HeaderParser().parsestr(wheel.read(metadata_name).decode())
    assert metadata["License-Expression"] == "Apache-2.0"
    licence = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    assert licence and b"Apache License" in wheel.read(licence[0])


def _lock_pins() -> dict[str, tuple[str, int]]:
    """Each package the lock file pins: its version and how many hashes it lists."""
    pins: dict[str, tuple[str, int]] = {}
    name = ""
    for line in LOCK_FILE.read_text().splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not line.startswith(" "):
            requirement = Requirement(text.rstrip("\\ ").strip())
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"not pinned: {text}"
            name = canonicalize_name(requirement.name)
            pins[name] = (specifier.version, 0)
        elif text.startswith("--hash=sha256:"):
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
    return pins


def test_the_lock_file_pins_every_runtime_requirement_within_pyproject_with_hashes() -> None:
    pins = _lock_pins()
    assert all(hashes > 0 for _, hashes in pins.values()), "every pin needs a hash (--require-hashes)"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {LOCK_FILE.name}: regenerate it (README)"
        version, _ = pins[name]
        assert requirement.specifier.contains(version), f"{name}=={version} is outside {requirement}"
    dev_only = {canonicalize_name(Requirement(d).name) for d in project["optional-dependencies"]["dev"]}
    assert not dev_only & set(pins), f"the lock file is for running Kindred, yet holds {dev_only & set(pins)}"


def test_the_lock_file_holds_greenlet_which_slack_sdks_installation_store_needs() -> None:
    """slack_sdk's SQLAlchemy installation store imports sqlalchemy.ext.asyncio; SQLAlchemy 2.1 no longer
    installs greenlet, which that module needs, so without it every `kindred` command fails."""
    assert "greenlet" in _lock_pins()
