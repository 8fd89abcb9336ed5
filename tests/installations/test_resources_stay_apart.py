"""Two workspaces on one Kindred, resource groups: the directory, joining, requests to join, anonymous
questions and their answers, regions, support maps and check-in suggestions stay in the workspace they
belong to, whatever ids a crafted payload carries.

One person is in both workspaces, as on Enterprise Grid (one user id in every workspace of the
organisation), and is the contact of a group in each: only the workspace tells the two apart.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from slackapp.admin.service import add_kindred_admin
from slackapp.checkins.ids import CheckinCallback
from slackapp.checkins.service import create_pulse, open_round_now
from slackapp.data_rights.ids import DataRightsAction
from slackapp.database import SessionFactory, utcnow
from slackapp.resources.ids import (
    ANSWER_BLOCK,
    QUESTION_BLOCK,
    DirectoryBlock,
    ResourceAction,
    ResourceCallback,
)
from slackapp.resources.models import (
    AnonymousQuestion,
    PersonRegion,
    ResourceEntry,
    ResourceJoinCount,
    SupportMapEntry,
)
from slackapp.resources.relay import AskerKeys
from tests.checkins.test_checkin_story import answers_form
from tests.conftest import SECRET_KEY
from tests.factories import invite, pulse_spec, round_secrets
from tests.installations.conftest import ALPHA, BETA, assert_nothing_crossed, row_ids_of, token_of
from tests.resource_factories import entry_form, snapshot
from tests.resources.test_support_map import map_form
from tests.slack_requests import EndpointResponse, SlackRequests, static_select, text, view_payload
from tests.slack_standin import BOT_USER_ID, SlackStandIn

GRID = "W0GRIDPERSON"  # one person in both workspaces, the contact of a group in each


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str  # every entry's name starts with it
    region: str  # the region its professional help serves
    hr: str
    people: tuple[str, ...]

    @property
    def groups_channel(self) -> str:
        return f"C0{self.name.upper()}PARENTS"

    @property
    def private_channel(self) -> str:
        return f"C0{self.name.upper()}GRIEF"

    @property
    def own(self) -> set[str]:
        """What only this workspace has (the person in both is in neither)."""
        return {self.id, self.name, self.hr, self.groups_channel, self.private_channel, *self.people}


ORGS = {
    org.id: org
    for org in (
        Workspace(ALPHA, "Alpha", "Europe", "U0ALPHAHR", ("U0ALPHA01", "U0ALPHA02")),
        Workspace(BETA, "Beta", "Americas", "U0BETAHR", ("U0BETA01", "U0BETA02")),
    )
}
A, B = ORGS[ALPHA], ORGS[BETA]


@pytest.fixture
def directories(
    two_workspaces: None, requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> dict[str, dict[str, str]]:
    """Each workspace's HR (a Kindred admin there) adds three entries with the entry form: a public group,
    a private one (joined through its contact) and professional help for its region. GRID is the contact
    of both workspaces' groups. Returns workspace -> entry name -> id."""
    slack.add_user(GRID)
    for org in ORGS.values():
        for person in (org.hr, *org.people):
            slack.add_user(person)
        slack.add_channel(org.groups_channel, members=[GRID, BOT_USER_ID])
        slack.add_channel(org.private_channel, members=[GRID, BOT_USER_ID], is_private=True)
        with session_factory.begin() as session:
            add_kindred_admin(
                session=session, workspace_id=org.id, user_id=org.hr, added_by="U0INSTALLER", now=utcnow()
            )
        for form in (
            entry_form(
                kind="employee_group",
                name=f"{org.name} Parents",
                channel_id=org.groups_channel,
                contact_id=GRID,
                support_kinds=("belonging", "practical"),
                tags=f"parents, {org.name.lower()}-only",
            ),
            entry_form(name=f"{org.name} Grief circle", channel_id=org.private_channel, contact_id=GRID),
            entry_form(
                kind="professional",
                name=f"{org.name} EAP",
                channel_id=None,
                contact_id=None,
                url=f"https://eap.{org.name.lower()}.example.com",
                support_kinds=("emotional", "advice"),
                tags=None,
                regions=org.region,
            ),
        ):
            saved = requests.view_submission(
                ResourceCallback.ENTRY_FORM, form, user_id=org.hr, team_id=org.id
            )
            assert saved.status == 200 and saved.text == "", saved.text
    with session_factory() as session:
        found: dict[str, dict[str, str]] = {ALPHA: {}, BETA: {}}
        for entry in session.scalars(select(ResourceEntry)):
            found[entry.workspace_id][entry.name.split(" ", 1)[1]] = str(entry.id)
    return found


def belongs_to(session_factory: SessionFactory) -> dict[str, set[str]]:
    return {org.id: org.own | row_ids_of(session_factory, org.id) for org in ORGS.values()}


def last_view(slack: SlackStandIn, method: str = "views.open") -> str:
    return json.dumps(slack.calls_to(method)[-1].args["view"])


def ask(
    requests: SlackRequests, workspace: str, person: str, entry_id: str, question: str
) -> EndpointResponse:
    return requests.view_submission(
        ResourceCallback.ASK_ANONYMOUSLY,
        {QUESTION_BLOCK: {ResourceAction.QUESTION_FIELD: text(question)}},
        json.dumps({"entry_id": entry_id}),
        user_id=person,
        team_id=workspace,
    )


def answer(requests: SlackRequests, workspace: str, question_id: str, reply: str) -> EndpointResponse:
    return requests.view_submission(
        ResourceCallback.ANSWER,
        {ANSWER_BLOCK: {ResourceAction.ANSWER_FIELD: text(reply)}},
        json.dumps({"question_id": question_id}),
        user_id=GRID,
        team_id=workspace,
    )


def questions(session_factory: SessionFactory) -> dict[str, list[tuple[str, str]]]:
    """workspace -> (question id, asker) of every question still waiting."""
    found: dict[str, list[tuple[str, str]]] = {ALPHA: [], BETA: []}
    with session_factory() as session:
        for row in session.scalars(select(AnonymousQuestion)):
            found[row.workspace_id].append((str(row.id), AskerKeys(SECRET_KEY).open(row.asker_sealed)))
    return found


def dms_to(slack: SlackStandIn, person: str) -> list[tuple[str | None, str]]:
    """(token, blocks) of every message Kindred sent to a person's DM."""
    return [
        (c.token, json.dumps(c.args.get("blocks")))
        for c in slack.successful_calls_to("chat.postMessage")
        if c.args["channel"] == person
    ]


def test_each_workspace_finds_only_its_own_groups_and_help(
    directories: dict[str, dict[str, str]],
    requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
) -> None:
    for org, other in ((A, B), (B, A)):
        person = org.people[0]
        # /resources, /resources with words, the App Home's button, and the directory's Search.
        requests.command("/resources", user_id=person, team_id=org.id)
        everything = last_view(slack)
        assert all(f"{org.name} {name}" in everything for name in ("Parents", "Grief circle", "EAP"))
        requests.command("/resources", "parents", user_id=person, team_id=org.id)
        assert last_view(slack).count("Parents") == 1 and other.name not in last_view(slack)
        requests.block_action(
            ResourceAction.BROWSE,
            user_id=person,
            team_id=org.id,
            view=view_payload("", type="home", team_id=org.id),
        )
        assert f"{org.name} Parents" in last_view(slack) and other.name not in last_view(slack)
        searched = requests.view_submission(  # with the other workspace's region in the metadata
            ResourceCallback.DIRECTORY,
            {DirectoryBlock.SEARCH: {ResourceAction.SEARCH: text("parents")}},
            json.dumps({"region": other.region}),
            user_id=person,
            team_id=org.id,
        )
        assert f"{org.name} Parents" in json.dumps(searched.json())
        # Words only the other workspace's tags carry find nothing, rather than their groups.
        filtered = requests.view_submission(
            ResourceCallback.DIRECTORY,
            {DirectoryBlock.SEARCH: {ResourceAction.SEARCH: text(f"{other.name.lower()}-only")}},
            user_id=person,
            team_id=org.id,
        )
        assert "Parents" not in json.dumps(filtered.json())
        for reply in (searched, filtered):
            assert other.name not in json.dumps(reply.json())
        requests.event({"type": "app_home_opened", "user": person, "tab": "home"}, team_id=org.id)
        assert f"{org.name} EAP" in json.dumps(slack.home_views[person])
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_joining_or_asking_to_join_another_workspaces_group_by_its_id_is_refused_and_changes_nothing(
    directories: dict[str, dict[str, str]],
    requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
) -> None:
    theirs = directories[BETA]
    before = snapshot(session_factory)
    from_home = view_payload("", type="home", team_id=ALPHA)

    for action, entry_id in (
        (ResourceAction.JOIN, theirs["Parents"]),
        (ResourceAction.ASK_TO_JOIN, theirs["Grief circle"]),
        (ResourceAction.ASK_ANONYMOUSLY, theirs["Parents"]),
    ):
        requests.block_action(action, entry_id, user_id=A.people[0], team_id=ALPHA, view=from_home)
        assert "no longer in the directory" in last_view(slack)
    # GRID is their private group's contact: approving a request for it from our workspace adds nobody.
    request = json.dumps({"entry_id": theirs["Grief circle"], "user_id": A.people[0]})
    requests.block_action(
        ResourceAction.ADD_REQUESTER, request, user_id=GRID, channel_id="D0GRID", team_id=ALPHA
    )
    assert "no longer in the directory" in last_view(slack)

    assert slack.calls_to("conversations.invite") == []
    assert slack.calls_to("chat.postMessage") == []
    assert snapshot(session_factory) == before

    # Joining our own group works, with our token, and counts for our group only.
    requests.block_action(
        ResourceAction.JOIN, directories[ALPHA]["Parents"], user_id=A.people[0], team_id=ALPHA, view=from_home
    )
    [invite] = slack.successful_calls_to("conversations.invite")
    assert invite.token == token_of(ALPHA) and invite.args["channel"] == A.groups_channel
    with session_factory() as session:
        counted = {str(j.entry_id): j.count for j in session.scalars(select(ResourceJoinCount))}
    assert counted == {directories[ALPHA]["Parents"]: 1}
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_hr_in_one_workspace_cannot_edit_archive_restore_or_audit_another_workspaces_entries(
    directories: dict[str, dict[str, str]],
    requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
) -> None:
    theirs = directories[BETA]
    # Their HR archives their EAP, so there is something for ours to try to restore.
    requests.block_action(
        ResourceAction.ARCHIVE_ENTRY,
        theirs["EAP"],
        user_id=B.hr,
        team_id=BETA,
        view=view_payload(ResourceCallback.ENTRY_FORM, team_id=BETA),
    )
    with session_factory() as session:
        archived = session.get(ResourceEntry, uuid.UUID(theirs["EAP"]))
        assert archived is not None and archived.archived_at is not None
    before = snapshot(session_factory)
    from_home = view_payload("", type="home", team_id=ALPHA)

    requests.block_action(ResourceAction.EDIT_ENTRY, theirs["Parents"], user_id=A.hr, team_id=ALPHA)
    assert "no longer in the directory" in last_view(slack)
    edited = requests.view_submission(
        ResourceCallback.ENTRY_FORM,
        entry_form(name="Taken over", channel_id=A.groups_channel),
        json.dumps({"entry_id": theirs["Parents"]}),
        user_id=A.hr,
        team_id=ALPHA,
    )
    assert edited.json()["response_action"] == "update"
    assert "no longer in the directory" in json.dumps(edited.json())
    requests.block_action(
        ResourceAction.ARCHIVE_ENTRY,
        theirs["Parents"],
        user_id=A.hr,
        team_id=ALPHA,
        view=view_payload(ResourceCallback.ENTRY_FORM, team_id=ALPHA),
    )
    assert "no longer in the directory" in last_view(slack, "views.update")
    requests.block_action(
        ResourceAction.RESTORE_ENTRY, theirs["EAP"], user_id=A.hr, team_id=ALPHA, view=from_home
    )
    assert "no longer in the directory" in last_view(slack)
    assert snapshot(session_factory) == before

    # Our audit log and our App Home's directory are ours alone.
    requests.block_action(ResourceAction.SHOW_AUDIT_LOG, user_id=A.hr, team_id=ALPHA, view=from_home)
    audit = last_view(slack)
    assert "Alpha Parents" in audit and "Beta" not in audit
    requests.event({"type": "app_home_opened", "user": A.hr, "tab": "home"}, team_id=ALPHA)
    home = json.dumps(slack.home_views[A.hr])
    assert "Alpha Grief circle" in home and "Beta" not in home
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_an_anonymous_question_and_its_answer_never_travel_between_workspaces(
    directories: dict[str, dict[str, str]],
    requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
) -> None:
    # Asking their group from our workspace: refused, nothing kept, nothing sent.
    refused = ask(requests, ALPHA, A.people[0], directories[BETA]["Parents"], "Crossing over?")
    assert refused.json()["response_action"] == "update"
    assert "no longer in the directory" in json.dumps(refused.json())
    assert questions(session_factory) == {ALPHA: [], BETA: []}
    assert slack.calls_to("chat.postMessage") == []

    # One question in each workspace, both to GRID: each relayed with its own workspace's token.
    for org in (A, B):
        sent = ask(requests, org.id, org.people[0], directories[org.id]["Parents"], f"{org.name} question?")
        assert "without your name" in json.dumps(sent.json())
    [(first_token, first), (second_token, second)] = dms_to(slack, GRID)
    assert first_token == token_of(ALPHA) and "Alpha question?" in first and "Beta" not in first
    assert second_token == token_of(BETA) and "Beta question?" in second and "Alpha" not in second
    [(ours, _)], [(theirs, their_asker)] = questions(session_factory)[ALPHA], questions(session_factory)[BETA]

    # GRID, the contact of both, cannot open or answer their question from our workspace.
    requests.block_action(
        ResourceAction.ANSWER_QUESTION, theirs, user_id=GRID, channel_id="D0GRID", team_id=ALPHA
    )
    assert "already been answered, or it has expired" in last_view(slack)
    wrong_place = answer(requests, ALPHA, theirs, "Answered from the wrong workspace")
    assert "already been answered, or it has expired" in json.dumps(wrong_place.json())
    assert dms_to(slack, their_asker) == []
    assert [q for q, _ in questions(session_factory)[BETA]] == [theirs]

    # Each answered where it was asked: delivered with that workspace's token, then the link is gone.
    for org, question_id in ((B, theirs), (A, ours)):
        delivered = answer(requests, org.id, question_id, f"{org.name} answer.")
        assert "delivered" in json.dumps(delivered.json())
        [(token, blocks)] = dms_to(slack, org.people[0])
        assert token == token_of(org.id) and f"{org.name} answer." in blocks
    assert questions(session_factory) == {ALPHA: [], BETA: []}
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_a_persons_region_support_map_and_their_deletion_stay_in_the_workspace_they_were_chosen_in(
    directories: dict[str, dict[str, str]],
    requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
) -> None:
    def choose_region(workspace: str, region: str) -> None:
        requests.block_action(
            ResourceAction.CHOOSE_REGION,
            user_id=GRID,
            team_id=workspace,
            view=view_payload("", type="home", team_id=workspace),
            element=static_select(region),
        )

    def regions() -> set[tuple[str, str]]:
        with session_factory() as session:
            return {(r.workspace_id, r.region) for r in session.scalars(select(PersonRegion))}

    # A region only their professional help serves is no region here.
    choose_region(ALPHA, B.region)
    assert regions() == set()
    choose_region(BETA, B.region)
    assert regions() == {(BETA, B.region)}

    # GRID's support map, saved in their workspace, is neither shown nor cleared in ours.
    saved = requests.view_submission(
        ResourceCallback.SUPPORT_MAP, map_form(emotional=("a_few", ["family"])), user_id=GRID, team_id=BETA
    )
    assert saved.text == ""
    assert "a few - family" in json.dumps(slack.home_views[GRID])
    for workspace in (BETA, ALPHA):
        requests.block_action(ResourceAction.EDIT_SUPPORT_MAP, user_id=GRID, team_id=workspace)
        assert ("initial_option" in last_view(slack)) is (workspace == BETA)
    requests.block_action(ResourceAction.CLEAR_SUPPORT_MAP, user_id=GRID, team_id=ALPHA)
    assert "a few - family" not in json.dumps(slack.home_views[GRID])
    # Asked here, "what do you hold about me?" finds only what is here (they are a group's contact here),
    # nothing of the other workspace; "delete it all" here deletes nothing there.
    requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=GRID, team_id=ALPHA)
    here = last_view(slack)
    assert "You are the contact person for" in here
    assert "support map" not in here and B.region not in here and "region you chose" not in here
    requests.block_action(DataRightsAction.DELETE_MY_DATA, user_id=GRID, team_id=ALPHA)
    with session_factory() as session:
        kept = {(m.workspace_id, m.support_kind) for m in session.scalars(select(SupportMapEntry))}
    assert kept == {(BETA, "emotional")} and regions() == {(BETA, B.region)}
    requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=GRID, team_id=BETA)
    assert "support map" in last_view(slack) and B.region in last_view(slack)
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_a_check_in_in_one_workspace_suggests_only_that_workspaces_groups_and_help(
    directories: dict[str, dict[str, str]],
    requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
) -> None:
    slack.add_channel("C0ALPHATEAM", members=[*A.people, GRID, BOT_USER_ID])
    with session_factory.begin() as session:
        pulse = create_pulse(
            session=session, workspace_id=ALPHA, spec=pulse_spec("C0ALPHATEAM"), created_by=A.hr, now=utcnow()
        )
        round_ = open_round_now(
            session=session,
            workspace_id=ALPHA,
            pulse_id=pulse.id,
            now=utcnow(),
            round_secrets=round_secrets(),
        )
    invite(session_factory, round_.id, *A.people, GRID)  # the channel's people, as the worker records them
    # Low well-being, and nobody to turn to for belonging or practical help: every kind of suggestion.
    low: dict[str, Any] = {"belonging": 1, "practical": 1, "emotional": 1}
    reply = requests.view_submission(
        CheckinCallback.ANSWER_MODAL,
        answers_form(1, **low),
        json.dumps({"round_id": str(round_.id)}),
        user_id=GRID,
        team_id=ALPHA,
    )
    thanks = json.dumps(reply.json())
    assert "Alpha EAP" in thanks and "Alpha Parents" in thanks
    assert "Beta" not in thanks
