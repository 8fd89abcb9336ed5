"""HR sets the professional-help contact that check-ins point to."""

from __future__ import annotations

import json

import pytest

from slackapp.admin.ids import AdminAction, AdminCallback, HelpBlock
from slackapp.admin.service import get_help_contact
from slackapp.database import SessionFactory
from tests.factories import WORKSPACE
from tests.slack_requests import SlackRequests, text
from tests.slack_standin import SlackStandIn

HR = "U0HR"


def help_form(name: str | None, url: str | None, phone: str | None) -> dict[str, dict[str, object]]:
    return {
        HelpBlock.NAME: {AdminAction.HELP_FIELD: text(name)},
        HelpBlock.URL: {AdminAction.HELP_FIELD: text(url)},
        HelpBlock.PHONE: {AdminAction.HELP_FIELD: text(phone)},
    }


@pytest.fixture(autouse=True)
def hr(slack: SlackStandIn) -> None:
    slack.add_user(HR, is_admin=True)


def test_hr_saves_the_contact_and_sees_it_in_the_app_home(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack_requests.block_action(AdminAction.EDIT_HELP, user_id=HR)
    assert slack.calls_to("views.open")[-1].args["view"]["callback_id"] == AdminCallback.HELP_FORM
    reply = slack_requests.view_submission(
        AdminCallback.HELP_FORM,
        help_form("Employee Assistance Programme", "https://eap.example.com", None),
        user_id=HR,
    )
    assert reply.status == 200 and reply.text == ""
    with session_factory() as session:
        contact = get_help_contact(session=session, workspace_id=WORKSPACE)
    assert contact is not None and contact.url == "https://eap.example.com"
    assert "Employee Assistance Programme" in json.dumps(slack.home_views[HR])


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (help_form(None, "https://eap.example.com", None), HelpBlock.NAME),
        (help_form("EAP", "http://eap.example.com", None), HelpBlock.URL),
        (help_form("EAP", "javascript:alert(1)", None), HelpBlock.URL),
        (help_form("EAP", None, "call me maybe"), HelpBlock.PHONE),
        (help_form("EAP", None, None), HelpBlock.URL),
        (help_form("x" * 151, "https://eap.example.com", None), HelpBlock.NAME),
    ],
)
def test_bad_contact_details_are_explained_inline_and_nothing_is_saved(
    slack_requests: SlackRequests,
    session_factory: SessionFactory,
    form: dict[str, dict[str, object]],
    field: str,
) -> None:
    reply = slack_requests.view_submission(AdminCallback.HELP_FORM, form, user_id=HR)
    assert reply.json()["response_action"] == "errors"
    assert field in reply.json()["errors"]
    with session_factory() as session:
        assert get_help_contact(session=session, workspace_id=WORKSPACE) is None


def test_someone_who_is_not_an_admin_cannot_change_it(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_user("U0SOMEONE")
    reply = slack_requests.view_submission(
        AdminCallback.HELP_FORM,
        help_form("Fake line", "https://phish.example.com", None),
        user_id="U0SOMEONE",
    )
    assert "Only Kindred admins" in reply.text
    with session_factory() as session:
        assert get_help_contact(session=session, workspace_id=WORKSPACE) is None
