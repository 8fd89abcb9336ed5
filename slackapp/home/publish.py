"""Publish a person's App Home: everyone's part (their open check-ins, a manager's dashboard link, peer
support, resources, privacy), and the admin section for those who may administer."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from slackapp.admin.access import can_administer
from slackapp.admin.service import get_help_contact, list_kindred_admins
from slackapp.admin.views import build_admin_settings_blocks
from slackapp.checkins.home import my_checkins_blocks
from slackapp.checkins.service import list_pulses, open_rounds
from slackapp.checkins.views import build_pulse_admin_blocks
from slackapp.data_rights.views import build_privacy_page
from slackapp.database import SessionFactory, utcnow
from slackapp.home.ids import HomeList
from slackapp.home.pages import pages_metadata
from slackapp.home.views import build_dashboard_link_blocks, build_home
from slackapp.org.service import load_org, manages_any_team
from slackapp.org.views import build_org_admin_blocks
from slackapp.pairing.home import peer_home_blocks, programme_admin_blocks
from slackapp.resources.home import resource_admin_blocks, resource_home_blocks
from slackapp.settings import Settings


def publish_home(
    *,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
    workspace_id: str,
    user_id: str,
    pages: Mapping[HomeList, int] | None = None,
) -> None:
    """Publish the Home; `pages` says which page of each admin list to show (the first by default)."""
    pages = pages or {}
    admin_blocks: list[Block] | None = None
    leader_blocks: list[Block] = []
    if can_administer(db=db, client=client, workspace_id=workspace_id, user_id=user_id):
        with db() as session:
            pulses = list_pulses(session=session, workspace_id=workspace_id)
            open_pulse_ids = {
                str(r.pulse_id) for r in open_rounds(session=session, workspace_id=workspace_id, now=utcnow())
            }
            contact = get_help_contact(session=session, workspace_id=workspace_id)
            admins = list_kindred_admins(session=session, workspace_id=workspace_id)
            org = load_org(session=session, workspace_id=workspace_id)
        admin_blocks = [
            *build_pulse_admin_blocks(pulses, open_pulse_ids, pages.get(HomeList.PULSES, 0)),
            *build_admin_settings_blocks(contact, admins, pages.get(HomeList.ADMINS, 0)),
            *build_org_admin_blocks(org, settings.dashboard_url),
            *programme_admin_blocks(
                db=db,
                workspace_id=workspace_id,
                page=pages.get(HomeList.PROGRAMMES, 0),
                min_group_size=settings.min_group_size,
            ),
            *resource_admin_blocks(db=db, workspace_id=workspace_id, page=pages.get(HomeList.RESOURCES, 0)),
        ]
    elif settings.dashboard_url:
        # Admins find the dashboard in their admin section; a manager here, beside their own part.
        with db() as session:
            if manages_any_team(session=session, workspace_id=workspace_id, user_id=user_id):
                leader_blocks = build_dashboard_link_blocks(settings.dashboard_url)
    view = build_home(
        member_blocks=[
            *my_checkins_blocks(db=db, settings=settings, workspace_id=workspace_id, user_id=user_id),
            *leader_blocks,
            *peer_home_blocks(db=db, workspace_id=workspace_id, user_id=user_id),
            *resource_home_blocks(client=client, db=db, workspace_id=workspace_id, user_id=user_id),
        ],
        privacy_blocks=build_privacy_page(settings.min_group_size, settings.min_comment_group_size),
        admin_blocks=admin_blocks,
        private_metadata=pages_metadata(pages) if admin_blocks else None,
    )
    client.views_publish(user_id=user_id, view=view)
