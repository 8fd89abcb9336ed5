"""A job whose post failed, then waited while its workspace was uninstalled, posts once when it is back."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from slackapp.checkins.ids import INVITATION_EVENT
from slackapp.checkins.models import Round
from slackapp.checkins.service import create_pulse
from slackapp.database import SessionFactory
from slackapp.scheduler.models import Job
from slackapp.scheduler.worker import Worker
from slackapp.settings import Settings
from tests.conftest import Clock
from tests.factories import HR_ADMIN, pulse_spec
from tests.installations.conftest import BETA, install
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, SlackStandIn


def test_an_invitation_slack_failed_to_post_is_posted_once_after_the_workspace_comes_back(
    oauth_web: FlaskClient,
    requests: SlackRequests,
    slack: SlackStandIn,
    oauth_settings: Settings,
    session_factory: SessionFactory,
    make_oauth_worker: Callable[[], Worker],
    clock: Clock,
) -> None:
    install(oauth_web, slack, oauth_settings, BETA)
    slack.add_channel("C0TEAM", members=["U0ANA", BOT_USER_ID])
    with session_factory.begin() as session:
        create_pulse(
            session=session,
            workspace_id=BETA,
            spec=pulse_spec("C0TEAM"),
            created_by=HR_ADMIN,
            now=clock.now.replace(year=clock.now.year - 1),
        )
    # Slack answers 503 to every try of the job's first run.
    slack.fail_next("chat.postMessage", status=503, times=3)
    make_oauth_worker().run_once()
    assert requests.event({"type": "app_uninstalled"}, team_id=BETA).status == 200
    clock.advance(minutes=1)
    make_oauth_worker().run_once()  # the job's next run waits for the workspace to come back

    install(oauth_web, slack, oauth_settings, BETA)
    clock.advance(hours=1, minutes=1)
    make_oauth_worker().run_once()

    posted = [
        message
        for message in slack.messages.get("C0TEAM", [])
        if (message.get("metadata") or {}).get("event_type") == INVITATION_EVENT
    ]
    assert len(posted) == 1
    with session_factory() as session:
        assert session.scalars(select(Round.invitation_ts)).one() == posted[0]["ts"]
        job = session.scalars(select(Job).where(Job.kind == "checkin.post_invitation")).one()
        assert job.done_at is not None
