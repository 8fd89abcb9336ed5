"""The App Home: everyone reads Kindred's promise; only admins get the admin section."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from slackapp.admin.ids import AdminAction
from slackapp.admin.service import add_kindred_admin
from slackapp.cadence.schedule import Cadence
from slackapp.checkins.ids import CheckinAction
from slackapp.checkins.service import create_pulse, invite_people, list_pulses, open_round_now
from slackapp.database import SessionFactory, utcnow
from slackapp.home.ids import HomeAction, HomeList
from slackapp.pairing.ids import PairingAction
from slackapp.pairing.service import ProgrammeSpec, create_programme
from slackapp.resources.ids import ResourceAction
from slackapp.resources.models import HowMany
from slackapp.resources.service import MapLine, create_entry, save_support_map, set_entry_archived
from slackapp.support import SupportKind
from tests.factories import WORKSPACE, pulse_spec, round_secrets
from tests.resource_factories import group_spec, professional_spec
from tests.slack_requests import SlackRequests, user
from tests.slack_standin import SlackStandIn


def open_home(slack_requests: SlackRequests, slack: SlackStandIn, user_id: str) -> str:
    reply = slack_requests.event(
        {"type": "app_home_opened", "user": user_id, "channel": "D0HOME", "tab": "home"}
    )
    assert reply.status == 200
    return json.dumps(slack.home_views[user_id])


def test_an_employee_sees_the_privacy_promise_and_no_admin_section(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user("U0EMPLOYEE")
    home = open_home(slack_requests, slack, "U0EMPLOYEE")
    assert "Managers see their own teams' averages" in home
    assert "sees who answered what or who has not answered" in home
    assert "See what Kindred holds about me" in home
    assert CheckinAction.NEW_PULSE not in home


def test_a_workspace_admin_sees_the_admin_section(slack_requests: SlackRequests, slack: SlackStandIn) -> None:
    slack.add_user("U0OWNER", is_owner=True)
    home = open_home(slack_requests, slack, "U0OWNER")
    assert CheckinAction.NEW_PULSE in home and "Professional help" in home


def test_an_admin_makes_hr_a_kindred_admin_and_can_take_it_back(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user("U0OWNER", is_admin=True)
    slack.add_user("U0HRLEAD")
    assert CheckinAction.NEW_PULSE not in open_home(slack_requests, slack, "U0HRLEAD")

    slack_requests.block_action(
        AdminAction.ADD_ADMIN,
        user_id="U0OWNER",
        element=user("U0HRLEAD"),
        view={"id": "VHOME", "type": "home"},
    )
    assert CheckinAction.NEW_PULSE in open_home(slack_requests, slack, "U0HRLEAD")

    slack_requests.block_action(AdminAction.REMOVE_ADMIN, "U0HRLEAD", user_id="U0OWNER")
    assert CheckinAction.NEW_PULSE not in open_home(slack_requests, slack, "U0HRLEAD")


def test_someone_who_is_not_an_admin_cannot_make_themselves_one(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user("U0SNEAKY")
    slack_requests.block_action(
        AdminAction.ADD_ADMIN,
        user_id="U0SNEAKY",
        element=user("U0SNEAKY"),
        view={"id": "VHOME", "type": "home"},
    )
    assert "Only Kindred admins" in json.dumps(slack.calls_to("views.open")[-1].args["view"])
    assert CheckinAction.NEW_PULSE not in open_home(slack_requests, slack, "U0SNEAKY")


# -- a Home with more than Slack can show at once -------------------------------------------------------

HR = "U0HRLEAD"
PULSES, ADMINS, PROGRAMMES, GROUPS, PROFESSIONAL, ARCHIVED = 30, 20, 15, 35, 10, 8


def a_busy_workspace(session_factory: SessionFactory, slack: SlackStandIn) -> dict[HomeList, set[str]]:
    """More of everything than one Home can hold, and HR's own part as long as it gets.

    Returns every item's id (user ids for admins), by list.
    """
    slack.add_user(HR, is_owner=True, tz="Europe/London")
    start = utcnow() - timedelta(hours=1)
    made: dict[HomeList, set[str]] = {home_list: set() for home_list in HomeList}
    with session_factory.begin() as session:
        for n in range(PULSES):
            pulse = create_pulse(
                session=session,
                workspace_id=WORKSPACE,
                spec=pulse_spec(f"C0TEAM{n:03}"),
                created_by=HR,
                now=start + timedelta(seconds=n),
            )
            made[HomeList.PULSES].add(str(pulse.id))
            if n % 5 == 0:  # six open, in HR's own channels: more than "Your check-ins" shows
                slack.add_channel(f"C0TEAM{n:03}", members=[HR])
                round_ = open_round_now(
                    session=session,
                    workspace_id=WORKSPACE,
                    pulse_id=pulse.id,
                    now=utcnow(),
                    round_secrets=round_secrets(),
                )
                invite_people(session=session, round_=round_, user_ids=[HR], round_secrets=round_secrets())
        for n in range(ADMINS):
            admin = f"U0ADMIN{n:03}"
            add_kindred_admin(
                session=session,
                workspace_id=WORKSPACE,
                user_id=admin,
                added_by=HR,
                now=start + timedelta(seconds=n),
            )
            made[HomeList.ADMINS].add(admin)
        for n in range(PROGRAMMES):
            programme = create_programme(
                session=session,
                workspace_id=WORKSPACE,
                spec=ProgrammeSpec(f"C0PEERS{n:03}", Cadence.WEEKLY, 2, "10:00", "Europe/London"),
                created_by=HR,
                now=start + timedelta(seconds=n),
            )
            made[HomeList.PROGRAMMES].add(str(programme.id))
        specs = [group_spec(f"Group {n:03}", channel_id=f"C0GROUP{n:03}") for n in range(GROUPS)] + [
            professional_spec(f"Helpline {n:03}", regions=("UK",)) for n in range(PROFESSIONAL)
        ]
        for n, spec in enumerate(specs):
            entry = create_entry(
                session=session, workspace_id=WORKSPACE, spec=spec, created_by=HR, now=utcnow()
            )
            made[HomeList.RESOURCES].add(str(entry.id))
            if n < ARCHIVED:
                set_entry_archived(
                    session=session,
                    workspace_id=WORKSPACE,
                    entry_id=entry.id,
                    archived=True,
                    by=HR,
                    now=utcnow(),
                )
        save_support_map(
            session=session,
            workspace_id=WORKSPACE,
            user_id=HR,
            lines={kind: MapLine(HowMany.NONE) for kind in SupportKind},
        )
    return made


ITEM_BUTTONS = {
    HomeList.PULSES: {CheckinAction.EDIT_PULSE},
    HomeList.ADMINS: {AdminAction.REMOVE_ADMIN},
    HomeList.PROGRAMMES: {PairingAction.EDIT_PROGRAMME},
    HomeList.RESOURCES: {ResourceAction.EDIT_ENTRY, ResourceAction.RESTORE_ENTRY},
}


def home_of(slack: SlackStandIn, user_id: str) -> dict[str, Any]:
    assert user_id in slack.home_views, "no Home published (slack_sdk refuses a view Slack would refuse)"
    home = slack.home_views[user_id]
    assert len(home["blocks"]) <= 100, f"Slack refuses a Home of {len(home['blocks'])} blocks"
    return home


def buttons(home: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in home["blocks"]:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if (block.get("accessory") or {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def items_shown(home: dict[str, Any], home_list: HomeList) -> set[str]:
    return {b["value"] for b in buttons(home) if b["action_id"] in ITEM_BUTTONS[home_list]}


def next_page(home: dict[str, Any], home_list: HomeList) -> str | None:
    return next(
        (
            b["value"]
            for b in buttons(home)
            if b["action_id"] == HomeAction.NEXT_PAGE and json.loads(b["value"])["list"] == home_list
        ),
        None,
    )


def test_a_busy_admins_home_stays_within_slacks_100_blocks_and_every_item_is_a_page_away(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    made = a_busy_workspace(session_factory, slack)
    open_home(slack_requests, slack, HR)
    first = home_of(slack, HR)
    assert "Helpline" in json.dumps(first) and "Places to start" in json.dumps(first)
    assert "And 3 more: type `/checkin`" in json.dumps(first)  # HR's own open check-ins, as many as shown

    for home_list in HomeList:
        seen, pages = set(), 0
        home = first
        while True:
            seen |= items_shown(home, home_list)
            pages += 1
            turn = next_page(home, home_list)
            if turn is None:
                break
            slack_requests.block_action(HomeAction.NEXT_PAGE, turn, user_id=HR, view=home)
            home = home_of(slack, HR)
        assert seen == made[home_list], home_list
        assert pages > 1, f"{home_list} fits on one page: the workspace is not busy enough to test paging"
        slack_requests.event({"type": "app_home_opened", "user": HR, "channel": "D0HOME", "tab": "home"})
        first = home_of(slack, HR)


def test_the_newest_check_in_comes_first_and_a_button_on_page_two_keeps_page_two(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    made = a_busy_workspace(session_factory, slack)
    open_home(slack_requests, slack, HR)
    home = home_of(slack, HR)
    with session_factory() as session:
        newest = list_pulses(session=session, workspace_id=WORKSPACE)[-1]
    assert str(newest.id) in items_shown(home, HomeList.PULSES)
    assert "Check-ins 1-8 of 30." in json.dumps(home)

    slack_requests.block_action(HomeAction.NEXT_PAGE, next_page(home, HomeList.PULSES), user_id=HR, view=home)
    page_two = home_of(slack, HR)
    assert "Check-ins 9-16 of 30." in json.dumps(page_two)
    on_page_two = sorted(items_shown(page_two, HomeList.PULSES))[0]
    assert on_page_two in made[HomeList.PULSES]

    slack_requests.block_action(CheckinAction.PAUSE_PULSE, on_page_two, user_id=HR, view=page_two)
    after = home_of(slack, HR)
    assert "Check-ins 9-16 of 30." in json.dumps(after)
    resume = {b["value"] for b in buttons(after) if b["action_id"] == CheckinAction.RESUME_PULSE}
    assert on_page_two in resume

    previous = next(b["value"] for b in buttons(after) if b["action_id"] == HomeAction.PREVIOUS_PAGE)
    slack_requests.block_action(HomeAction.PREVIOUS_PAGE, previous, user_id=HR, view=after)
    assert "Check-ins 1-8 of 30." in json.dumps(home_of(slack, HR))

    # Opening the Home tab again starts from the first pages.
    slack_requests.event({"type": "app_home_opened", "user": HR, "channel": "D0HOME", "tab": "home"})
    assert "Check-ins 1-8 of 30." in json.dumps(home_of(slack, HR))
