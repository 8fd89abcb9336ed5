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
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "slackapp" / "migrations"
LOCK_FILE = ROOT / "requirements" / "production.txt"

# The first release of each package Kindred runs on (directly or through another) after its most recent
# published vulnerability that applies to a web app like this one.
FIRST_FIXED = {
    "cryptography": "44.0.1",  # CVE-2024-12797
    "dash": "2.15.0",  # CVE-2024-21485
    "flask": "3.1.1",  # CVE-2025-47278
    "gunicorn": "23.0.0",  # CVE-2024-1135, CVE-2024-6827
    "werkzeug": "3.0.6",  # CVE-2024-49766, CVE-2024-49767
    "jinja2": "3.1.6",  # CVE-2025-27516
    "requests": "2.32.4",  # CVE-2024-35195, CVE-2024-47081
    "urllib3": "2.5.0",  # CVE-2025-50181, CVE-2025-50182
    "idna": "3.7",  # CVE-2024-3651
    "certifi": "2024.7.4",  # CVE-2024-39689
    "setuptools": "78.1.1",  # CVE-2025-47273
    "zipp": "3.19.1",  # CVE-2024-5569
    "mako": "1.2.2",  # CVE-2022-40023
}


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


def test_the_lock_file_holds_no_release_with_a_known_vulnerability() -> None:
    pins = _lock_pins()
    assert {"cryptography", "flask", "gunicorn", "werkzeug", "dash"} <= set(pins)
    too_old = {
        name: pins[name][0]
        for name, fixed in FIRST_FIXED.items()
        if name in pins and Version(pins[name][0]) < Version(fixed)
    }
    assert too_old == {}, f"pinned below their fixes: {too_old}"


def test_pyproject_floors_exclude_the_vulnerable_releases_of_direct_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name in FIRST_FIXED:
            floors = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
            assert floors and max(floors) >= Version(FIRST_FIXED[name]), f"{line} allows a vulnerable release"
