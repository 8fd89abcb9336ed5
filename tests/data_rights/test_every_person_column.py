"""Data rights cover every column that holds a person: "see" lists it and "delete" leaves no trace of them.

The convention: a column that holds a Slack user ID (or a value derived from one) carries
`info=person(...)` (slackapp.database), which says what deletion does with it. The schema test below fails
when a column whose name suggests a person is not marked, so a new `approved_by` cannot be forgotten.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import JSON, LargeBinary, String, Text, select

from slackapp.actions.service import record_action
from slackapp.admin.service import HelpContact, add_kindred_admin, set_help_contact
from slackapp.cadence.schedule import Cadence
from slackapp.checkins.service import create_pulse
from slackapp.dashboard_sessions import start_session
from slackapp.data_rights.ids import DataRightsAction
from slackapp.data_rights.service import person_columns
from slackapp.database import FEATURE, FORGOTTEN, HELD, KEPT, PERSON, WHY, Base, SessionFactory, utcnow
from slackapp.installations.store import EncryptedInstallationStore
from slackapp.org.service import set_team_managers
from slackapp.pairing.service import Preferences, ProgrammeSpec, create_programme, save_preferences
from slackapp.resources.relay import AskerKeys
from slackapp.resources.service import (
    MapLine,
    ask_anonymously,
    create_entry,
    save_support_map,
    set_entry_archived,
    set_region,
)
from slackapp.support import SupportKind
from tests.factories import SECRET_KEY, WORKSPACE, pulse_spec
from tests.org_factories import OrgBuilder
from tests.resource_factories import group_spec
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

HR_PERSON = "U0LEAVINGHR"
OTHER = "U0STAYS"
# Column names that suggest a person: a user ID, who did something, or a hash of someone.
LOOKS_LIKE_A_PERSON = re.compile(
    r"(^|_)(user|actor|asker|contact|member|owner|voter|partner|manager|admin|person|people|installer)"
    r"(_id|_ids|_hash|_key)?$|_by$|^avoid$|_user_id$"
)


def test_every_column_whose_name_suggests_a_person_is_marked_and_says_what_happens_to_it() -> None:
    import slackapp.models  # noqa: F401

    unmarked = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, (String, Text, JSON, LargeBinary))
        and LOOKS_LIKE_A_PERSON.search(column.name)
        and PERSON not in column.info
    ]
    assert unmarked == []
    for table, column in person_columns():
        how, held, why = column.info[PERSON], column.info.get(HELD), column.info.get(WHY)
        if how in (KEPT, FEATURE):
            assert why, f"{table.name}.{column.name} is {how} without saying why"
        else:
            assert held or why, f"{table.name}.{column.name} is listed by nobody"


def test_the_rule_catches_a_new_unmarked_column() -> None:
    """The name rule would notice the kinds of column the review found forgotten."""
    for name in ("created_by", "approved_by", "actor_id", "asker_id", "user_id", "contact_id", "person_key"):
        assert LOOKS_LIKE_A_PERSON.search(name), name
    for name in ("workspace_id", "channel_id", "entry_id", "name", "created_at"):
        assert not LOOKS_LIKE_A_PERSON.search(name), name


@pytest.fixture
def hr_person_everywhere(session_factory: SessionFactory, slack: SlackStandIn) -> None:
    """An HR person who has done a bit of everything, through the real service functions."""
    slack.add_user(HR_PERSON)
    now = utcnow()
    org = OrgBuilder(session_factory)
    org.department("Engineering")
    org.team("C0TEAM", "Team", "Engineering")
    keys = AskerKeys(SECRET_KEY)
    with session_factory.begin() as session:
        add_kindred_admin(
            session=session, workspace_id=WORKSPACE, user_id=HR_PERSON, added_by="U0OWNER", now=now
        )
        add_kindred_admin(session=session, workspace_id=WORKSPACE, user_id=OTHER, added_by=HR_PERSON, now=now)
        create_pulse(
            session=session,
            workspace_id=WORKSPACE,
            spec=pulse_spec("C0HRPULSE"),
            created_by=HR_PERSON,
            now=now,
        )
        set_help_contact(
            session=session,
            workspace_id=WORKSPACE,
            contact=HelpContact(name="EAP", url="https://eap.example.com", phone=None),
            updated_by=HR_PERSON,
            now=now,
        )
        entry = create_entry(
            session=session,
            workspace_id=WORKSPACE,
            spec=group_spec(contact_id=HR_PERSON),
            created_by=HR_PERSON,
            now=now,
        )
        set_entry_archived(
            session=session, workspace_id=WORKSPACE, entry_id=entry.id, archived=True, by=HR_PERSON, now=now
        )
        set_entry_archived(
            session=session, workspace_id=WORKSPACE, entry_id=entry.id, archived=False, by=HR_PERSON, now=now
        )
        other_entry = create_entry(
            session=session,
            workspace_id=WORKSPACE,
            spec=group_spec("Runners", contact_id=OTHER),
            created_by=OTHER,
            now=now,
        )
        set_team_managers(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0TEAM",
            user_ids=[HR_PERSON, OTHER],
            assigned_by=HR_PERSON,
            now=now,
        )
        record_action(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0TEAM",
            week=now.date(),
            body="More quiet hours.",
            written_by=HR_PERSON,
            now=now,
        )
        programme = create_programme(
            session=session,
            workspace_id=WORKSPACE,
            spec=ProgrammeSpec("C0PEERS", Cadence.WEEKLY, 2, "10:00", "Europe/London"),
            created_by=HR_PERSON,
            now=now,
        )
        save_preferences(
            session=session,
            workspace_id=WORKSPACE,
            user_id=HR_PERSON,
            preferences=Preferences(seeks=frozenset({SupportKind.EMOTIONAL}), avoid=frozenset({OTHER})),
            programme_ids=[programme.id],
            now=now,
            today=now.date(),
        )
        set_region(session=session, workspace_id=WORKSPACE, user_id=HR_PERSON, region="UK")
        save_support_map(
            session=session,
            workspace_id=WORKSPACE,
            user_id=HR_PERSON,
            lines={SupportKind.EMOTIONAL: MapLine(how_many="one")},  # type: ignore[arg-type]
        )
        # A question HR_PERSON asked, and one waiting for them as a group's contact.
        ask_anonymously(
            session=session,
            workspace_id=WORKSPACE,
            entry_id=other_entry.id,
            asker_id=HR_PERSON,
            question="Is it for beginners?",
            now=now,
            keys=keys,
        )
        ask_anonymously(
            session=session,
            workspace_id=WORKSPACE,
            entry_id=entry.id,
            asker_id=OTHER,
            question="Hi?",
            now=now,
            keys=keys,
        )
        start_session(
            session=session,
            workspace_id=WORKSPACE,
            user_id=HR_PERSON,
            name="HR",
            workspace_admin=True,
            now=now,
        )
    EncryptedInstallationStore(
        client_id="1.2", engine=session_factory.kw["bind"], secret_key=SECRET_KEY
    ).save(
        Installation(
            app_id="A1",
            team_id=WORKSPACE,
            user_id=HR_PERSON,
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="U0BOT",
            installed_at=now.timestamp(),
        )
    )


def every_value(session_factory: SessionFactory) -> list[tuple[str, Any]]:
    """Every text, JSON and binary value in the database, with where it is (a dump, in effect)."""
    found: list[tuple[str, Any]] = []
    with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column in table.columns:
                    if isinstance(column.type, (String, Text, JSON, LargeBinary)) and row[column] is not None:
                        found.append((f"{table.name}.{column.name}", row[column]))
    return found


def shown(slack: SlackStandIn) -> str:
    return json.dumps(slack.calls_to("views.open")[-1].args["view"])


@pytest.mark.usefixtures("hr_person_everywhere")
def test_see_lists_every_column_that_holds_the_person(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    holding = {where for where, value in every_value(session_factory) if HR_PERSON in str(value)}
    slack_requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=HR_PERSON)
    view = shown(slack)
    for table, column in person_columns():
        where = f"{table.name}.{column.name}"
        held = column.info.get(HELD)
        if where in holding and held:
            assert held.split("{n}")[0].replace('"', '\\"') in view, where
    assert "anonymous question(s) waiting for an answer" in view  # found by keyed hash
    assert "region you chose" in view and "peer-support preferences" in view


@pytest.mark.usefixtures("hr_person_everywhere")
def test_delete_leaves_no_trace_of_the_person_in_any_column(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack_requests.block_action(DataRightsAction.DELETE_MY_DATA, user_id=HR_PERSON)
    assert "everything tied to you is deleted" in shown(slack)

    kept = {f"{t.name}.{c.name}" for t, c in person_columns() if c.info[PERSON] == KEPT}
    hashes = AskerKeys(SECRET_KEY).every_hash(HR_PERSON)
    left = [
        where
        for where, value in every_value(session_factory)
        if where not in kept and (HR_PERSON in str(value) or value in hashes)
    ]
    assert left == []
    values = every_value(session_factory)
    # What they set up stays, under no name; what belongs to others stays as it was.
    assert ("checkin_pulse.created_by", FORGOTTEN) in values
    assert ("professional_help.updated_by", FORGOTTEN) in values
    assert ("kindred_admin.user_id", OTHER) in values and ("org_manager.user_id", OTHER) in values
    assert ("resource_entry.contact_id", OTHER) in values
    slack_requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=HR_PERSON)
    assert "Kindred holds nothing tied to you" in shown(slack)
