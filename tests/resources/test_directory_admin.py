"""HR keeps the directory: creates, edits and archives entries through the modals; the audit log says who did
what; bad input is explained inline and changes nothing; someone who is not an admin is refused."""

from __future__ import annotations

import json

import pytest

from slackapp.database import SessionFactory
from slackapp.resources.ids import EntryBlock, ResourceAction, ResourceCallback
from slackapp.resources.models import EntryKind, ResourceAudit, ResourceEntry
from slackapp.resources.service import list_audit, list_entries
from tests.factories import WORKSPACE
from tests.resource_factories import CONTACT, count, entry_form, make_entry, snapshot
from tests.slack_requests import SlackRequests, view_payload
from tests.slack_standin import SlackStandIn

HR = "U0HR"
SOMEONE = "U0SOMEONE"


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_user(HR, is_admin=True)
    slack.add_user(SOMEONE)
    slack.add_user(CONTACT)
    slack.add_channel("C0GRIEF", members=[CONTACT])


def entries(session_factory: SessionFactory, include_archived: bool = True) -> list[ResourceEntry]:
    with session_factory() as session:
        return list_entries(session=session, workspace_id=WORKSPACE, include_archived=include_archived)


def next_call(slack: SlackStandIn, method: str, action: object) -> dict[str, object]:
    """Do `action` (a request) and wait for the call to `method` it leads to (listeners run after ack)."""
    seen = len(slack.calls_to(method))
    action()  # type: ignore[operator]
    return slack.wait_for_call(method, count=seen + 1).args


def test_hr_adds_an_entry_and_sees_it_in_the_directory_and_the_app_home(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    opened = next_call(
        slack, "views.open", lambda: slack_requests.block_action(ResourceAction.NEW_ENTRY, user_id=HR)
    )
    assert opened["view"]["callback_id"] == ResourceCallback.ENTRY_FORM

    published = len(slack.calls_to("views.publish"))
    reply = slack_requests.view_submission(ResourceCallback.ENTRY_FORM, entry_form(), user_id=HR)

    assert reply.status == 200 and reply.text == ""
    [entry] = entries(session_factory)
    assert entry.name == "Grief support" and entry.kind is EntryKind.SUPPORT_GROUP
    assert entry.tags == ["grief", "mental health"] and entry.support_kinds == ["emotional"]
    assert slack.calls_to("conversations.info")[-1].args["channel"] == "C0GRIEF"
    slack.wait_for_call("views.publish", count=published + 1)
    assert "Grief support" in json.dumps(slack.home_views[HR])


def test_a_private_channel_means_joining_goes_through_the_contact(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_channel("C0GRIEF", members=[CONTACT], is_private=True)
    slack_requests.view_submission(ResourceCallback.ENTRY_FORM, entry_form(), user_id=HR)
    [entry] = entries(session_factory)
    assert entry.needs_approval is True


def test_hr_edits_an_entry_and_the_audit_log_shows_who_changed_what(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack_requests.view_submission(ResourceCallback.ENTRY_FORM, entry_form(), user_id=HR)
    [entry] = entries(session_factory)
    opened = next_call(
        slack,
        "views.open",
        lambda: slack_requests.block_action(ResourceAction.EDIT_ENTRY, str(entry.id), user_id=HR),
    )
    assert opened["view"]["private_metadata"] == json.dumps({"entry_id": str(entry.id)})

    reply = slack_requests.view_submission(
        ResourceCallback.ENTRY_FORM,
        entry_form(name="Grief and loss", tags="grief"),
        private_metadata=json.dumps({"entry_id": str(entry.id)}),
        user_id=HR,
    )

    assert reply.text == ""
    [edited] = entries(session_factory)
    assert edited.id == entry.id and edited.name == "Grief and loss" and edited.tags == ["grief"]
    with session_factory() as session:
        latest = list_audit(session=session, workspace_id=WORKSPACE)[0]
    assert latest.actor_id == HR and latest.action == "edited"
    assert latest.changes == {
        "name": ["Grief support", "Grief and loss"],
        "tags": [["grief", "mental health"], ["grief"]],
    }

    audit = next_call(
        slack, "views.open", lambda: slack_requests.block_action(ResourceAction.SHOW_AUDIT_LOG, user_id=HR)
    )
    shown = json.dumps(audit["view"], ensure_ascii=False)
    assert "Grief support → Grief and loss" in shown and f"<@{HR}> created" in shown


def test_hr_archives_an_entry_from_its_form_and_people_no_longer_see_it(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    form = view_payload(ResourceCallback.ENTRY_FORM, private_metadata=json.dumps({"entry_id": str(entry.id)}))

    updated = next_call(
        slack,
        "views.update",
        lambda: slack_requests.block_action(
            ResourceAction.ARCHIVE_ENTRY, str(entry.id), user_id=HR, view=form
        ),
    )

    assert "archived" in json.dumps(updated["view"])
    assert entries(session_factory, include_archived=False) == []
    [archived] = entries(session_factory)
    assert archived.archived_at is not None
    with session_factory() as session:
        assert [row.action for row in list_audit(session=session, workspace_id=WORKSPACE)][0] == "archived"

    opened = next_call(slack, "views.open", lambda: slack_requests.command("/resources", user_id=SOMEONE))
    assert "Parents at Work" not in json.dumps(opened["view"])

    next_call(
        slack,
        "views.publish",
        lambda: slack_requests.block_action(ResourceAction.RESTORE_ENTRY, str(entry.id), user_id=HR),
    )
    assert len(entries(session_factory, include_archived=False)) == 1


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (entry_form(name=None), EntryBlock.NAME),
        (entry_form(name="   "), EntryBlock.NAME),
        (entry_form(name="x" * 151), EntryBlock.NAME),
        (entry_form(description="x" * 1001), EntryBlock.DESCRIPTION),
        (entry_form(url="http://intranet.example.com/grief"), EntryBlock.URL),
        (entry_form(url="not a link"), EntryBlock.URL),
        (entry_form(url="https://" + "x" * 500 + ".com"), EntryBlock.URL),
        (entry_form(kind=None), EntryBlock.KIND),
        (entry_form(kind="secret_society"), EntryBlock.KIND),
        (entry_form(support_kinds=()), EntryBlock.SUPPORT_KINDS),
        (entry_form(tags=", ".join(f"tag{i}" for i in range(11))), EntryBlock.TAGS),
        (entry_form(needs_approval=True, contact_id=None), EntryBlock.CONTACT),
        (entry_form(kind="professional", url=None, phone=None), EntryBlock.URL),
        (entry_form(kind="professional", phone="call me maybe"), EntryBlock.PHONE),
    ],
)
def test_bad_input_is_explained_inline_and_nothing_changes(
    slack_requests: SlackRequests,
    session_factory: SessionFactory,
    form: dict[str, dict[str, object]],
    field: str,
) -> None:
    make_entry(session_factory)
    before = snapshot(session_factory)

    reply = slack_requests.view_submission(ResourceCallback.ENTRY_FORM, form, user_id=HR)

    assert reply.json()["response_action"] == "errors"
    assert field in reply.json()["errors"]
    assert reply.json()["errors"][field][0].isupper()  # a sentence, in plain words
    assert snapshot(session_factory) == before


def test_an_unknown_channel_is_caught_by_asking_slack(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.fail_next("conversations.info", error="channel_not_found")

    reply = slack_requests.view_submission(
        ResourceCallback.ENTRY_FORM, entry_form(channel_id="C0NOWHERE"), user_id=HR
    )

    assert "can't find that channel" in reply.json()["errors"][EntryBlock.CHANNEL]
    assert count(session_factory, ResourceEntry) == 0


def test_an_archived_channel_is_refused(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_channel("C0OLD", is_archived=True)
    reply = slack_requests.view_submission(
        ResourceCallback.ENTRY_FORM, entry_form(channel_id="C0OLD"), user_id=HR
    )
    assert "archived" in reply.json()["errors"][EntryBlock.CHANNEL]
    assert count(session_factory, ResourceEntry) == 0


def test_someone_who_is_not_an_admin_is_refused_on_the_server(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    before = snapshot(session_factory)

    created = slack_requests.view_submission(ResourceCallback.ENTRY_FORM, entry_form(), user_id=SOMEONE)
    edited = slack_requests.view_submission(
        ResourceCallback.ENTRY_FORM,
        entry_form(name="Hijacked"),
        private_metadata=json.dumps({"entry_id": str(entry.id)}),
        user_id=SOMEONE,
    )
    for reply in (created, edited):
        assert reply.json()["response_action"] == "update"
        assert "Only Kindred admins" in json.dumps(reply.json()["view"])

    form = view_payload(ResourceCallback.ENTRY_FORM, private_metadata=json.dumps({"entry_id": str(entry.id)}))
    refused = next_call(
        slack,
        "views.update",
        lambda: slack_requests.block_action(
            ResourceAction.ARCHIVE_ENTRY, str(entry.id), user_id=SOMEONE, view=form
        ),
    )
    assert "Only Kindred admins" in json.dumps(refused["view"])
    for action in (ResourceAction.NEW_ENTRY, ResourceAction.EDIT_ENTRY, ResourceAction.SHOW_AUDIT_LOG):
        opened = next_call(
            slack,
            "views.open",
            lambda a=action: slack_requests.block_action(a, str(entry.id), user_id=SOMEONE),
        )
        assert "Only Kindred admins" in json.dumps(opened["view"])

    assert snapshot(session_factory) == before
    assert count(session_factory, ResourceAudit) == 1  # only the factory's "created"


def test_the_admin_section_lists_the_directory_only_for_admins(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_entry(session_factory)
    for person in (HR, SOMEONE):
        slack_requests.event({"type": "app_home_opened", "user": person, "channel": "D0HOME", "tab": "home"})
    slack.wait_for_call("views.publish", count=2)
    assert ResourceAction.EDIT_ENTRY in json.dumps(slack.home_views[HR])
    assert ResourceAction.EDIT_ENTRY not in json.dumps(slack.home_views[SOMEONE])
    assert ResourceAction.BROWSE in json.dumps(slack.home_views[SOMEONE])


@pytest.mark.parametrize("metadata", ["{{{", json.dumps({"entry_id": "not-an-id"}), json.dumps([1, 2])])
def test_a_garbled_form_changes_nothing(
    slack_requests: SlackRequests, session_factory: SessionFactory, metadata: str
) -> None:
    make_entry(session_factory)
    before = snapshot(session_factory)
    reply = slack_requests.view_submission(ResourceCallback.ENTRY_FORM, entry_form(), metadata, user_id=HR)
    assert reply.json()["response_action"] == "update"
    assert snapshot(session_factory) == before


def test_editing_an_entry_that_was_archived_meanwhile_is_refused(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    opened = next_call(
        slack,
        "views.open",
        lambda: slack_requests.block_action(ResourceAction.EDIT_ENTRY, "not-an-id", user_id=HR),
    )
    assert "no longer in the directory" in json.dumps(opened["view"])
    reply = slack_requests.view_submission(
        ResourceCallback.ENTRY_FORM,
        entry_form(),
        json.dumps({"entry_id": "6f1c0c1e-8d4b-4f55-9d5e-000000000000"}),
        user_id=HR,
    )
    assert "no longer in the directory" in json.dumps(reply.json()["view"])
    assert [e.name for e in entries(session_factory)] == [entry.name]
