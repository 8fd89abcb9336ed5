"""Two workspaces on one Kindred, peer support: programmes, opt-ins, rounds, introductions, "we met", what a
person can see of their data and leaving stay in the workspace they belong to, whatever ids a crafted
payload carries.

One person is in both workspaces, as on Enterprise Grid, where a user id is the same in every workspace of
the organisation: only the workspace tells their two sets of pairing data apart.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from slackapp.admin.service import add_kindred_admin
from slackapp.database import SessionFactory, utcnow
from slackapp.pairing.ids import INTRODUCTION_EVENT, PairingAction, PairingCallback, ProgrammeBlock
from slackapp.pairing.models import Group, GroupMember, Membership, PairingRound, Profile, Programme
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.installations.conftest import ALPHA, BETA, assert_nothing_crossed, row_ids_of, token_of
from tests.pairing.test_pairing_story import preferences_form, programme_form
from tests.resource_factories import snapshot
from tests.slack_requests import EndpointResponse, SlackRequests, conversation, view_payload
from tests.slack_standin import BOT_USER_ID, SlackStandIn

GRID = "W0GRIDPERSON"  # one person in both workspaces


@dataclass(frozen=True)
class Workspace:
    id: str
    hr: str
    people: tuple[str, ...]
    channel: str  # where its peer-support programme runs

    @property
    def own(self) -> set[str]:
        """What only this workspace has (the person in both is in neither)."""
        return {self.id, self.hr, self.channel, *self.people}


ORGS = {
    org.id: org
    for org in (
        Workspace(ALPHA, "U0ALPHAHR", tuple(f"U0ALPHA{n:02d}" for n in range(1, 6)), "C0ALPHAPEERS"),
        Workspace(BETA, "U0BETAHR", tuple(f"U0BETA{n:02d}" for n in range(1, 6)), "C0BETAPEERS"),
    )
}
A, B = ORGS[ALPHA], ORGS[BETA]


def programme_form_in(channel: str) -> dict[str, dict[str, Any]]:
    """The programme form as HR submits it for a programme in `channel`."""
    form = programme_form()
    form[ProgrammeBlock.CHANNEL] = {PairingAction.FIELD: conversation(channel)}
    return form


@pytest.fixture
def programmes(
    two_workspaces: None, requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> dict[str, str]:
    """Each workspace's HR (a Kindred admin there) starts a programme in its own channel."""
    slack.add_user(GRID, tz="Europe/London")
    for org in ORGS.values():
        for person in (org.hr, *org.people):
            slack.add_user(person, tz="Europe/London")
        slack.add_channel(org.channel, members=[org.hr, *org.people, GRID, BOT_USER_ID])
        with session_factory.begin() as session:
            add_kindred_admin(
                session=session, workspace_id=org.id, user_id=org.hr, added_by="U0INSTALLER", now=utcnow()
            )
        form = programme_form_in(org.channel)
        saved = requests.view_submission(
            PairingCallback.PROGRAMME_FORM, form, "{}", user_id=org.hr, team_id=org.id
        )
        assert saved.status == 200 and saved.text == "", saved.text
    with session_factory() as session:
        return {p.workspace_id: str(p.id) for p in session.scalars(select(Programme))}


def opt_in(
    requests: SlackRequests, org: Workspace, person: str, programme_ids: list[str]
) -> EndpointResponse:
    """The person saves their peer-support settings in the /peers modal of `org`'s workspace."""
    return requests.view_submission(
        PairingCallback.PREFERENCES, preferences_form(programme_ids), "{}", user_id=person, team_id=org.id
    )


def everyone_opts_in_and_a_round_runs(
    requests: SlackRequests,
    programmes: dict[str, str],
    make_oauth_worker: Callable[[], Worker],
    clock: Clock,
) -> None:
    for org in ORGS.values():
        for person in (*org.people, GRID):
            saved = opt_in(requests, org, person, [programmes[org.id]])
            assert saved.status == 200 and saved.text == "", saved.text
    clock.advance(days=8)
    make_oauth_worker().run_once()


def groups_in(session_factory: SessionFactory, workspace: str) -> dict[str, set[str]]:
    """group id -> its members, for the groups of the programmes of one workspace."""
    with session_factory() as session:
        rows = session.execute(
            select(Group.id, GroupMember.user_id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .join(PairingRound, PairingRound.id == Group.round_id)
            .join(Programme, Programme.id == PairingRound.programme_id)
            .where(Programme.workspace_id == workspace)
        ).all()
    groups: dict[str, set[str]] = {}
    for group_id, user_id in rows:
        groups.setdefault(str(group_id), set()).add(user_id)
    return groups


def group_of(session_factory: SessionFactory, workspace: str, person: str) -> str:
    [group_id] = [g for g, members in groups_in(session_factory, workspace).items() if person in members]
    return group_id


def belongs_to(session_factory: SessionFactory) -> dict[str, set[str]]:
    return {org.id: org.own | row_ids_of(session_factory, org.id) for org in ORGS.values()}


def last_view(slack: SlackStandIn, method: str = "views.open") -> str:
    return json.dumps(slack.calls_to(method)[-1].args["view"])


def held_in(session_factory: SessionFactory, workspace: str, person: str) -> dict[str, int]:
    """How many pairing rows of each kind a person has in a workspace."""
    with session_factory() as session:
        return {
            "profile": int(session.get(Profile, (workspace, person)) is not None),
            "memberships": session.scalar(
                select(func.count())
                .select_from(Membership)
                .where(Membership.workspace_id == workspace, Membership.user_id == person)
            )
            or 0,
            "groups": session.scalar(
                select(func.count())
                .select_from(GroupMember)
                .join(Group, Group.id == GroupMember.group_id)
                .where(Group.workspace_id == workspace, GroupMember.user_id == person)
            )
            or 0,
        }


def test_people_are_introduced_only_to_colleagues_in_their_own_workspace(
    programmes: dict[str, str],
    requests: SlackRequests,
    slack: SlackStandIn,
    make_oauth_worker: Callable[[], Worker],
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    everyone_opts_in_and_a_round_runs(requests, programmes, make_oauth_worker, clock)

    for org in ORGS.values():
        groups = groups_in(session_factory, org.id).values()
        assert sorted(p for g in groups for p in g) == sorted([*org.people, GRID])
    # Each group DM is opened and introduced with its own workspace's token, among its own people.
    opened = slack.successful_calls_to("conversations.open")
    assert len(opened) == 6
    for call in opened:
        org = next(o for o in ORGS.values() if call.token == token_of(o.id))
        assert set(call.args["users"].split(",")) <= {*org.people, GRID}
    introductions = [
        c
        for c in slack.successful_calls_to("chat.postMessage")
        if (c.args.get("metadata") or {}).get("event_type") == INTRODUCTION_EVENT
    ]
    assert sorted(str(c.token) for c in introductions) == sorted([token_of(ALPHA)] * 3 + [token_of(BETA)] * 3)
    announcements = {c.args["channel"]: c.token for c in slack.successful_calls_to("chat.postMessage")}
    assert announcements[A.channel] == token_of(ALPHA) and announcements[B.channel] == token_of(BETA)
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_opting_in_to_another_workspaces_programme_by_its_id_is_refused_and_changes_nothing(
    programmes: dict[str, str], requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    # Our /peers lists our programme, and only ours.
    requests.command("/peers", user_id=GRID, team_id=ALPHA)
    assert programmes[ALPHA] in last_view(slack) and programmes[BETA] not in last_view(slack)
    before = snapshot(session_factory)

    # Their programme's id in our /peers form, alone or beside ours: refused, in plain words.
    for chosen in ([programmes[BETA]], [programmes[ALPHA], programmes[BETA]]):
        for person in (A.people[0], GRID):  # GRID is even in their programme's channel
            refused = opt_in(requests, A, person, chosen)
            assert refused.json()["response_action"] == "errors"
            assert "no longer exists" in refused.json()["errors"]["programmes"]
    # Their announcement's "Count me in" button, replayed from our workspace.
    for person in (A.people[0], GRID):
        requests.block_action(
            PairingAction.JOIN, programmes[BETA], user_id=person, channel_id=A.channel, team_id=ALPHA
        )
        assert "no longer exists" in last_view(slack)

    assert snapshot(session_factory) == before
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_hr_in_one_workspace_cannot_see_change_preview_or_delete_another_workspaces_programme(
    programmes: dict[str, str], requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    for person in B.people:
        assert opt_in(requests, B, person, [programmes[BETA]]).text == ""
    theirs = programmes[BETA]
    before = snapshot(session_factory)
    home = view_payload("", type="home", team_id=ALPHA)

    requests.block_action(PairingAction.EDIT_PROGRAMME, theirs, user_id=A.hr, team_id=ALPHA, view=home)
    assert "no longer exists" in last_view(slack)
    for action in (
        PairingAction.PAUSE_PROGRAMME,
        PairingAction.RESUME_PROGRAMME,
        PairingAction.DELETE_PROGRAMME,
    ):
        requests.block_action(action, theirs, user_id=A.hr, team_id=ALPHA, view=home)
        assert "no longer exists" in last_view(slack)
    # The preview would list their people, matched: it finds no such programme instead.
    requests.block_action(PairingAction.PREVIEW_PROGRAMME, theirs, user_id=A.hr, team_id=ALPHA, view=home)
    assert "no longer exists" in last_view(slack, "views.update")
    asked_for_us = [
        c.args["channel"] for c in slack.calls_to("conversations.members") if c.token == token_of(ALPHA)
    ]
    assert B.channel not in asked_for_us
    # Their programme's id in our programme form's metadata, as a crafted submission.
    form = programme_form_in(B.channel)
    edited = requests.view_submission(
        PairingCallback.PROGRAMME_FORM,
        form,
        json.dumps({"programme_id": theirs}),
        user_id=A.hr,
        team_id=ALPHA,
    )
    assert edited.json()["response_action"] == "update" and "no longer exists" in json.dumps(edited.json())

    assert snapshot(session_factory) == before
    # Our App Home lists our programme only; theirs, with its five members, is nowhere in it.
    requests.event({"type": "app_home_opened", "user": A.hr, "tab": "home"}, team_id=ALPHA)
    our_home = json.dumps(slack.home_views[A.hr])
    # Ours has nobody yet, a count under the minimum that the Home does not give; theirs counts 5.
    assert A.channel in our_home and "fewer than 5 opted in" in our_home
    assert our_home.count("5 opted in") == our_home.count("fewer than 5 opted in")
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_a_person_in_both_workspaces_answers_sees_and_deletes_each_workspaces_pairing_apart(
    programmes: dict[str, str],
    requests: SlackRequests,
    slack: SlackStandIn,
    make_oauth_worker: Callable[[], Worker],
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    everyone_opts_in_and_a_round_runs(requests, programmes, make_oauth_worker, clock)
    ours, theirs = group_of(session_factory, ALPHA, GRID), group_of(session_factory, BETA, GRID)

    # "We met" and the follow-up answers for their group, pressed in our workspace, count for nothing,
    # though GRID is in that group.
    for action in (PairingAction.WE_MET, PairingAction.OUTCOME_COULD_NOT_MEET):
        requests.block_action(action, theirs, user_id=GRID, channel_id="D0GRID", team_id=ALPHA)
        assert "isn't one of yours" in slack.calls_to("chat.postEphemeral")[-1].args["text"]
    with session_factory() as session:
        group = session.get(Group, uuid.UUID(theirs))
        assert group is not None and group.met_at is None and group.outcome is None

    # What Kindred holds about GRID's pairing, asked in our workspace, is our workspace's only.
    requests.block_action(
        PairingAction.SHOW_HELD,
        user_id=GRID,
        team_id=ALPHA,
        view=view_payload(PairingCallback.PREFERENCES, team_id=ALPHA),
    )
    held = last_view(slack, "views.push")
    partners_here = groups_in(session_factory, ALPHA)[ours] - {GRID}
    partners_there = groups_in(session_factory, BETA)[theirs] - {GRID}
    assert A.channel in held and all(p in held for p in partners_here)
    assert B.channel not in held and not any(p in held for p in partners_there)

    # Leaving peer support here deletes GRID's pairing here, and nothing of theirs.
    requests.block_action(
        PairingAction.LEAVE,
        user_id=GRID,
        team_id=ALPHA,
        view=view_payload(PairingCallback.PREFERENCES, view_id="VPREFS", team_id=ALPHA),
    )
    assert held_in(session_factory, ALPHA, GRID) == {"profile": 0, "memberships": 0, "groups": 0}
    assert held_in(session_factory, BETA, GRID) == {"profile": 1, "memberships": 1, "groups": 1}
    assert_nothing_crossed(slack, belongs_to(session_factory))


def test_a_kindred_admin_in_one_workspace_is_nobody_special_in_another(
    programmes: dict[str, str], requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    with session_factory.begin() as session:
        add_kindred_admin(session=session, workspace_id=ALPHA, user_id=GRID, added_by=A.hr, now=utcnow())
    before = snapshot(session_factory)
    home = view_payload("", type="home", team_id=BETA)

    for action, value in (
        (PairingAction.NEW_PROGRAMME, None),
        (PairingAction.EDIT_PROGRAMME, programmes[BETA]),
        (PairingAction.PAUSE_PROGRAMME, programmes[BETA]),
        (PairingAction.DELETE_PROGRAMME, programmes[BETA]),
        (PairingAction.PREVIEW_PROGRAMME, programmes[BETA]),
    ):
        requests.block_action(action, value, user_id=GRID, team_id=BETA, view=home)
        assert "Only Kindred admins" in last_view(slack)
    form = programme_form_in("C0NEWBETA")
    refused = requests.view_submission(PairingCallback.PROGRAMME_FORM, form, "{}", user_id=GRID, team_id=BETA)
    assert "Only Kindred admins" in json.dumps(refused.json())
    assert snapshot(session_factory) == before

    for workspace in (ALPHA, BETA):
        requests.event({"type": "app_home_opened", "user": GRID, "tab": "home"}, team_id=workspace)
        admin_section = PairingAction.NEW_PROGRAMME in json.dumps(slack.home_views[GRID])
        assert admin_section is (workspace == ALPHA)
