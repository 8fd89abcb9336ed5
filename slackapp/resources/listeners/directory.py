"""The directory everyone browses: `/resources`, filters, search, pages, and the region they choose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from slackapp.database import SessionFactory
from slackapp.home.pages import read_page_turn, read_pages
from slackapp.home.publish import publish_home
from slackapp.resources.home import person_region
from slackapp.resources.ids import ANY, DirectoryBlock, DirectoryList, ResourceAction
from slackapp.resources.models import EntryKind
from slackapp.resources.service import (
    DirectoryFilter,
    all_regions,
    all_tags,
    filter_entries,
    for_region_first,
    list_entries,
    set_region,
)
from slackapp.resources.views import build_directory
from slackapp.settings import Settings
from slackapp.slack.forms import Submission
from slackapp.slack.payloads import private_metadata, selected_value
from slackapp.support import SupportKind


def acknowledge(ack: Ack) -> None:
    """A link button: Slack opens the link; we only confirm receipt."""
    ack()


def _directory(
    *,
    client: WebClient,
    db: SessionFactory,
    workspace_id: str,
    user_id: str,
    wanted: DirectoryFilter,
    region: str | None = None,
    region_known: bool = False,
    pages: Mapping[DirectoryList, int] | None = None,
) -> View:
    with db() as session:
        entries = list_entries(session=session, workspace_id=workspace_id)
    if not region_known:
        region = person_region(
            client=client, db=db, workspace_id=workspace_id, user_id=user_id, entries=entries
        )
    professional = [e for e in entries if e.kind is EntryKind.PROFESSIONAL]
    groups = [e for e in entries if e.kind is not EntryKind.PROFESSIONAL]
    return build_directory(
        professional=for_region_first(professional, region),
        groups=filter_entries(groups, wanted),
        tags=all_tags(groups),
        wanted=wanted,
        region=region,
        pages=pages,
    )


def resources_command(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """`/resources [words]`: the directory in a modal, searched for the words if any."""
    ack()
    wanted = DirectoryFilter(text=str(command.get("text") or "").strip()[:100])
    view = _directory(
        client=client, db=db, workspace_id=str(context.team_id), user_id=str(context.user_id), wanted=wanted
    )
    client.views_open(trigger_id=command["trigger_id"], view=view)


def browse(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """The App Home's "Browse groups and help"."""
    ack()
    view = _directory(
        client=client,
        db=db,
        workspace_id=str(context.team_id),
        user_id=str(context.user_id),
        wanted=DirectoryFilter(),
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _filter_from(view: dict[str, Any]) -> DirectoryFilter:
    """The filters as the person has just set them in the modal."""
    form = Submission(view, action_id=ResourceAction.SEARCH)
    return _checked_filter(
        kind=form.selected(DirectoryBlock.KIND, ResourceAction.FILTER_KIND),
        tag=form.selected(DirectoryBlock.TAG, ResourceAction.FILTER_TAG),
        text=form.text(DirectoryBlock.SEARCH),
    )


def _shown_filter(view: dict[str, Any]) -> DirectoryFilter:
    """The filters the directory was last drawn with (kept in its metadata), whatever was typed since."""
    shown = private_metadata(view).get("filter")
    if not isinstance(shown, dict):
        return DirectoryFilter()
    return _checked_filter(kind=shown.get("kind"), tag=shown.get("tag"), text=shown.get("text"))


def _checked_filter(*, kind: object, tag: object, text: object) -> DirectoryFilter:
    support_kind = (
        SupportKind(kind) if isinstance(kind, str) and kind in {k.value for k in SupportKind} else None
    )
    tag = str(tag)[:30] if tag and tag != ANY else None
    return DirectoryFilter(support_kind=support_kind, tag=tag, text=str(text or "")[:100])


def _region_from(view: dict[str, Any]) -> str | None:
    region = private_metadata(view).get("region")
    return str(region)[:60] if region else None


def _pages_from(view: dict[str, Any]) -> dict[DirectoryList, int]:
    return read_pages(private_metadata(view).get("pages"), DirectoryList)


def _redraw(client: WebClient, view: dict[str, Any], updated: View) -> None:
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":  # a newer click already redrew it
            raise


def refilter(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """A filter changed (or Enter in the search box): show the matching groups in the same modal."""
    ack()
    view = body.get("view") or {}
    _redraw(client, view, _refiltered(view, context, client, db))


def _refiltered(view: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory) -> View:
    """The directory for the filters as just set in it. New filters start the groups on their first page;
    professional help, never filtered, stays on its page."""
    return _directory(
        client=client,
        db=db,
        workspace_id=str(context.team_id),
        user_id=str(context.user_id),
        wanted=_filter_from(view),
        region=_region_from(view),
        region_known=True,
        pages={DirectoryList.PROFESSIONAL: _pages_from(view).get(DirectoryList.PROFESSIONAL, 0)},
    )


def turn_directory_page(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """A directory list's Previous or Next: the same modal and filters, that list on the page asked for."""
    ack()
    view = body.get("view") or {}
    if view.get("type") != "modal" or not view.get("id"):
        return
    pages = _pages_from(view)
    if (turn := read_page_turn(action.get("value"), DirectoryList)) is not None:
        directory_list, number = turn
        pages[directory_list] = number
    updated = _directory(
        client=client,
        db=db,
        workspace_id=str(context.team_id),
        user_id=str(context.user_id),
        wanted=_shown_filter(view),
        region=_region_from(view),
        region_known=True,
        pages=pages,
    )
    _redraw(client, view, updated)


def search_directory(
    ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """The directory's Search button: redraw it for the filters, keeping it open."""
    ack(response_action="update", view=_refiltered(view, context, client, db))


def choose_region(
    ack: Ack,
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """A person picks their region in the Home tab; professional help for it is listed first from now on."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    chosen = selected_value(action)
    with db.begin() as session:
        known = all_regions(list_entries(session=session, workspace_id=workspace_id))
        if chosen not in known:
            return
        set_region(session=session, workspace_id=workspace_id, user_id=user_id, region=chosen)
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)
