"""Two workspaces on one Kindred: HR's team and department pickers offer only their own workspace's."""

from __future__ import annotations

from slackapp.admin.service import add_kindred_admin
from slackapp.database import SessionFactory, utcnow
from slackapp.org.ids import OrgAction
from slackapp.org.service import load_org
from tests.installations.conftest import ALPHA, BETA
from tests.org.test_pickers import make_org, options_for
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

HR = "W0GRIDHR"  # on Enterprise Grid one user id in both workspaces: only the workspace tells them apart


def test_hr_is_offered_only_the_teams_and_departments_of_the_workspace_they_ask_from(
    two_workspaces: None, requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_user(HR)  # not a Slack admin: a Kindred admin of ALPHA only
    with session_factory.begin() as session:
        add_kindred_admin(session=session, workspace_id=ALPHA, user_id=HR, added_by="U0OWNER", now=utcnow())
    for workspace in (ALPHA, BETA):
        make_org(session_factory, workspace, teams=20)
    with session_factory() as session:
        alpha = load_org(session=session, workspace_id=ALPHA)
        beta = load_org(session=session, workspace_id=BETA)

    teams = options_for(requests, OrgAction.EDIT_TEAM, "", user_id=HR, team_id=ALPHA)
    assert {o["value"] for o in teams} == set(alpha.teams)
    departments = options_for(requests, OrgAction.PICK_DEPARTMENT, "", user_id=HR, team_id=ALPHA)
    assert {o["value"] for o in departments[1:]} <= {str(d) for d in alpha.departments}

    # In BETA the same person is nobody special, and nothing of either workspace is offered; BETA's own
    # admin is offered BETA's teams.
    for action in (OrgAction.EDIT_TEAM, OrgAction.EDIT_DEPARTMENT, OrgAction.PICK_DEPARTMENT):
        assert options_for(requests, action, "", user_id=HR, team_id=BETA) == []
    slack.add_user("U0BETAHR", is_admin=True)
    teams = options_for(requests, OrgAction.EDIT_TEAM, "", user_id="U0BETAHR", team_id=BETA)
    assert {o["value"] for o in teams} == set(beta.teams)
