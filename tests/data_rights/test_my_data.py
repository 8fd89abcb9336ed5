"""A person sees everything Kindred holds that is tied to them, and deletes it with one click."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from slackapp.admin.service import add_kindred_admin
from slackapp.data_rights.ids import DataRightsAction
from slackapp.database import SessionFactory, utcnow
from slackapp.pairing.models import Profile
from slackapp.resources.models import AnonymousQuestion, HowMany, PersonRegion, SupportMapEntry
from slackapp.resources.relay import AskerKeys
from slackapp.resources.service import MapLine, ask_anonymously, save_support_map, set_region
from slackapp.support import SupportKind
from tests.factories import SECRET_KEY, WORKSPACE, answer, make_open_round
from tests.resource_factories import group_spec, make_entry
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

PERSON = "U0PERSON"


def shown(slack: SlackStandIn) -> str:
    return json.dumps(slack.calls_to("views.open")[-1].args["view"])


@pytest.fixture
def held(session_factory: SessionFactory, slack: SlackStandIn) -> None:
    slack.add_user(PERSON)
    slack.add_user("U0CONTACT")
    entry = make_entry(session_factory, group_spec(contact_id="U0CONTACT"))
    with session_factory.begin() as session:
        add_kindred_admin(
            session=session, workspace_id=WORKSPACE, user_id=PERSON, added_by="U0OWNER", now=utcnow()
        )
        set_region(session=session, workspace_id=WORKSPACE, user_id=PERSON, region="UK")
        save_support_map(
            session=session,
            workspace_id=WORKSPACE,
            user_id=PERSON,
            lines={SupportKind.EMOTIONAL: MapLine(how_many=HowMany.ONE)},
        )
        ask_anonymously(
            session=session,
            workspace_id=WORKSPACE,
            entry_id=entry.id,
            asker_id=PERSON,
            question="Is this group for new parents too?",
            now=utcnow(),
            keys=AskerKeys(SECRET_KEY),
        )
        session.add(
            Profile(
                workspace_id=WORKSPACE,
                user_id=PERSON,
                seeks=["advice"],
                offers=["practical"],
                avoid=["U0EX"],
                topics=None,
                paused_until=None,
                skip_next_round=False,
                unanswered_in_a_row=0,
                paused_for_silence=False,
                updated_at=utcnow(),
            )
        )
    round_ = make_open_round(session_factory)
    answer(session_factory, round_.id, PERSON)


@pytest.mark.usefixtures("held")
def test_a_person_sees_everything_tied_to_them_in_plain_words(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack_requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=PERSON)
    view = shown(slack)
    for expected in (
        "Kindred admin",
        "peer-support preferences",
        "don't pair me with",
        "region",
        "support map",
        "anonymous question",
    ):
        assert expected in view, expected
    assert "check-in answers are not listed" in view


@pytest.mark.usefixtures("held")
def test_deleting_removes_everything_tied_to_them_and_nothing_of_anyone_else(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack_requests.block_action(DataRightsAction.DELETE_MY_DATA, user_id=PERSON)
    assert "everything tied to you is deleted" in shown(slack)
    with session_factory() as session:
        for model in (Profile, PersonRegion, SupportMapEntry):
            assert session.scalar(select(func.count()).select_from(model)) == 0
        assert session.scalar(select(func.count()).select_from(AnonymousQuestion)) == 0
    slack_requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=PERSON)
    assert "Kindred holds nothing tied to you" in shown(slack)


def test_someone_new_is_told_kindred_holds_nothing(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack_requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id="U0NEWBIE")
    assert "Kindred holds nothing tied to you" in shown(slack)
