"""Settings are read once, validated, and a bad value stops the program with one line naming it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from slackapp.settings import Settings, SettingsError
from tests.conftest import SECRET_KEY, repo_root


def test_defaults_need_nothing_set() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("kindred.db")
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.min_group_size, settings.min_comment_group_size, settings.port) == (5, 10, 3000)


def test_postgres_urls_are_pointed_at_psycopg_3() -> None:
    for given in ("postgres://u@h/db", "postgresql://u@h/db"):
        assert Settings.from_env({"DATABASE_URL": given}).database_url == "postgresql+psycopg://u@h/db"


def test_the_oauth_and_openid_pages_come_from_the_api_host() -> None:
    settings = Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9999/api"})
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.slack_host_url == "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"KINDRED_MIN_GROUP_SIZE": "2"}, "KINDRED_MIN_GROUP_SIZE"),
        ({"KINDRED_MIN_GROUP_SIZE": "five"}, "KINDRED_MIN_GROUP_SIZE"),
        (
            {"KINDRED_MIN_GROUP_SIZE": "8", "KINDRED_MIN_COMMENT_GROUP_SIZE": "6"},
            "KINDRED_MIN_COMMENT_GROUP_SIZE",
        ),
        ({"PORT": "70000"}, "PORT"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "slack.com"}, "SLACK_API_URL"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(environment: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environment)


def test_a_larger_minimum_group_raises_the_comment_minimum_with_it() -> None:
    assert Settings.from_env({"KINDRED_MIN_GROUP_SIZE": "12"}).min_comment_group_size == 12


def test_serving_without_a_secret_key_stops_with_one_clear_line(tmp_path: object) -> None:
    environment = {"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    finished = subprocess.run(
        [sys.executable, "-m", "slackapp.cli", "serve"],
        cwd=repo_root(),
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert finished.stderr.strip().splitlines()[-1].startswith("kindred: KINDRED_SECRET_KEY is required")


def test_the_worker_without_slack_credentials_names_what_is_missing() -> None:
    environment = {"PATH": "/usr/bin:/bin", "KINDRED_SECRET_KEY": SECRET_KEY}
    finished = subprocess.run(
        [sys.executable, "-m", "slackapp.cli", "worker", "--once"],
        cwd=repo_root(),
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "SLACK_SIGNING_SECRET is required" in finished.stderr
