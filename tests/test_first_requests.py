"""A freshly built web process takes its first requests all at once: no 5xx, and every check-in counted.

gunicorn gives a worker that has just booted up to 8 requests together (its gthread pool), and under load
they are all first requests: Slack's check-in submissions and, on the same Flask app, the dashboard's.
Anything set up lazily on a first request runs in all those threads at once. Each burst here is the real
web app (Bolt, Flask and the dashboard) built afresh and hit by real threads through its WSGI interface.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import dash._pages
import flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from dashboards.auth import SESSION_KEY
from slackapp.app import create_app
from slackapp.checkins.ids import CheckinCallback
from slackapp.checkins.models import Participation
from slackapp.dashboard_sessions import start_session
from slackapp.database import SessionFactory, utcnow
from slackapp.settings import Settings
from slackapp.web import create_web_app
from tests.checkins.test_checkin_story import answers_form
from tests.conftest import SIGNING_SECRET, SettlingExecutor
from tests.factories import HR_ADMIN, WORKSPACE, invite, make_open_round
from tests.slack_requests import SlackRequests

BURSTS = 60
SUBMISSIONS_PER_BURST = 4
# What the dashboard's page router answers to (Dash's `_pages_content`): without it no page ever shows.
PAGE_ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
PAGE_ROUTER_REQUEST = {
    "output": PAGE_ROUTER_OUTPUT,
    "outputs": [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ],
    "inputs": [
        {"id": "_pages_location", "property": "pathname", "value": "/dashboard/"},
        {"id": "_pages_location", "property": "search", "value": ""},
    ],
    "changedPropIds": ["_pages_location.pathname"],
    "state": [],
}


@contextmanager
def threads_switching_often() -> Iterator[None]:
    """Let Python switch threads every microsecond instead of every 5 ms.

    A loaded 2-core machine can stop a thread anywhere; this makes every interleaving likely, so a
    race in first-use set-up shows in a few bursts instead of once in dozens of server starts.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@dataclass
class Answered:
    what: str
    status: int
    body: str


def burst(jobs: list[Callable[[], Answered]]) -> list[Answered]:
    """Run every job on its own thread, all released at the same moment."""
    start = threading.Barrier(len(jobs))
    answers: list[Answered] = []
    failures: list[BaseException] = []

    def run(job: Callable[[], Answered]) -> None:
        try:
            start.wait()
            answers.append(job())
        except BaseException as error:  # reported below, not lost on the thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    with threads_switching_often():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failures, failures
    return answers


def signed_in_client(web: flask.Flask, token: str) -> FlaskClient:
    client = web.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
    return client


def test_concurrent_first_requests_get_no_5xx_and_every_submission_is_counted(
    settings: Settings,
    session_factory: SessionFactory,
    engine: Engine,
    listener_threads: SettlingExecutor,
) -> None:
    round_id = make_open_round(session_factory).id
    people = [f"U0FIRST{n:04d}" for n in range(BURSTS * SUBMISSIONS_PER_BURST)]
    invite(session_factory, round_id, *people)
    with session_factory.begin() as db:
        token = start_session(
            session=db,
            workspace_id=WORKSPACE,
            user_id=HR_ADMIN,
            name="Hana HR",
            workspace_admin=True,
            now=utcnow(),
            lifetime=timedelta(hours=1),
        )
    thanked = 0
    for number in range(BURSTS):
        # A new process: Dash keeps its page registry in a module global.
        dash._pages.PAGE_REGISTRY.clear()
        web = create_web_app(
            create_app(settings, session_factory, listener_executor=listener_threads), engine, settings
        )
        submitters = people[number * SUBMISSIONS_PER_BURST : (number + 1) * SUBMISSIONS_PER_BURST]
        jobs = [submission(web, round_id, person) for person in submitters]
        jobs += [dependencies(signed_in_client(web, token)) for _ in range(2)]
        jobs += [page(signed_in_client(web, token)) for _ in range(2)]
        answers = burst(jobs)
        listener_threads.settle()

        assert [a for a in answers if a.status >= 500] == [], f"burst {number}"
        for answer in answers:
            if answer.what == "submission":
                reply = json.loads(answer.body)
                assert answer.status == 200 and reply["response_action"] == "update", answer
                assert reply["view"]["title"]["text"] == "Thank you"
                thanked += 1
            elif answer.what == "dependencies":
                # What the browser is told the dashboard's callbacks are: the page router must be one.
                outputs = [callback["output"] for callback in json.loads(answer.body)]
                assert answer.status == 200 and PAGE_ROUTER_OUTPUT in outputs, f"burst {number}"
            else:
                assert answer.status == 200, answer
    dash._pages.PAGE_REGISTRY.clear()

    assert thanked == len(people)
    with session_factory() as db:
        assert db.scalar(select(func.count()).select_from(Participation)) == len(people)


def submission(web: flask.Flask, round_id: uuid.UUID, person: str) -> Callable[[], Answered]:
    slack = SlackRequests.for_flask(web.test_client(), SIGNING_SECRET)

    def send() -> Answered:
        reply = slack.view_submission(
            CheckinCallback.ANSWER_MODAL,
            answers_form(3, comment=f"A first-morning comment at {time.time()}"),
            json.dumps({"round_id": str(round_id)}),
            user_id=person,
        )
        return Answered("submission", reply.status, reply.text)

    return send


def dependencies(client: FlaskClient) -> Callable[[], Answered]:
    def get() -> Answered:
        response = client.get("/dashboard/_dash-dependencies")
        return Answered("dependencies", response.status_code, response.get_data(as_text=True))

    return get


def page(client: FlaskClient) -> Callable[[], Answered]:
    def route() -> Answered:
        response = client.post("/dashboard/_dash-update-component", json=PAGE_ROUTER_REQUEST)
        return Answered("page", response.status_code, response.get_data(as_text=True))

    return route
