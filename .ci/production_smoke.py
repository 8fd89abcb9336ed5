"""Run the Procfile's three processes from a production install, against an empty database.

Called by the production-install step of `.ci/run` with the bin folder of a virtual environment that
holds Kindred as a company installs it (the lock file, then `pip install --no-deps .`), and a
`DATABASE_URL` naming an empty database. It runs this interpreter (standard library only) and that
environment's `kindred`:

- release: the Procfile's command as written (`kindred db upgrade`);
- web: the Procfile's command on a free PORT; `/healthz` must answer 200, and a correctly signed
  `app_home_opened` must make Kindred publish the person's Home (through the local Slack stand-in of the
  tests, the only part of the repository this uses), while an unsigned one gets 401;
- worker: the Procfile's command with `--once`, which must exit 0.

Usage: python3 .ci/production_smoke.py <venv>/bin
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from tests.slack_standin import TEAM_ID, SlackStandIn  # noqa: E402  (standard library only)

SIGNING_SECRET = secrets.token_urlsafe(24)
PERSON = "U0FIRSTUSER"
STARTUP_SECONDS = 60


def procfile() -> dict[str, list[str]]:
    """The Procfile's process types and their commands, as a platform reads them."""
    processes = {}
    for line in (REPOSITORY / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = shlex.split(command)
    return processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signed_post(url: str, body: bytes, *, sign: bool = True) -> tuple[int, bytes]:
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp}
    if sign:
        base = b"v0:" + timestamp.encode() + b":" + body
        digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
        headers["X-Slack-Signature"] = f"v0={digest}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def wait_for_health(url: str, web: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise SystemExit(f"web process exited with {web.returncode} before answering /healthz")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"/healthz did not answer 200 within {STARTUP_SECONDS} s")


def run(bin_folder: Path) -> None:
    processes = procfile()
    assert set(processes) == {"release", "web", "worker"}, f"Procfile has {sorted(processes)}"
    with SlackStandIn() as slack:
        slack.add_user(PERSON)
        environment = {
            **os.environ,
            "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}",
            "SLACK_API_URL": slack.url,
            "SLACK_BOT_TOKEN": "xoxb-production-install-check",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "KINDRED_SECRET_KEY": secrets.token_urlsafe(48),
            "PORT": str(free_port()),
        }

        print(f"release: {shlex.join(processes['release'])}", flush=True)
        subprocess.run(processes["release"], env=environment, check=True)

        print(f"web: {shlex.join(processes['web'])} on port {environment['PORT']}", flush=True)
        base = f"http://127.0.0.1:{environment['PORT']}"
        web = subprocess.Popen(processes["web"], env=environment)
        try:
            wait_for_health(f"{base}/healthz", web)
            print("web: /healthz answered 200", flush=True)
            event = json.dumps(
                {
                    "type": "event_callback",
                    "team_id": TEAM_ID,
                    "api_app_id": "A0KINDRED",
                    "event_id": "Ev0PRODUCTION",
                    "event_time": int(time.time()),
                    "event": {"type": "app_home_opened", "user": PERSON, "channel": "D0HOME", "tab": "home"},
                }
            ).encode()
            status, _ = signed_post(f"{base}/slack/events", event, sign=False)
            assert status == 401, f"an unsigned request got {status}, not 401"
            status, _ = signed_post(f"{base}/slack/events", event)
            assert status == 200, f"a signed app_home_opened got {status}"
            deadline = time.monotonic() + 30
            while PERSON not in slack.home_views and time.monotonic() < deadline:
                time.sleep(0.1)
            assert PERSON in slack.home_views, "the signed app_home_opened published no Home"
            slack.assert_no_violations()
            print("web: a signed app_home_opened published the Home; an unsigned one got 401", flush=True)
        finally:
            web.terminate()
            web.wait(timeout=30)

        worker = [*processes["worker"], "--once"]
        print(f"worker: {shlex.join(worker)}", flush=True)
        subprocess.run(worker, env=environment, check=True)
    print("production install: release, web and worker all ran", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    run(Path(sys.argv[1]).resolve())
