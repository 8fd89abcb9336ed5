"""The peer-support parts of the App Home, read from the database."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from slackapp.database import SessionFactory
from slackapp.pairing.service import get_profile, list_programmes, member_counts, memberships_of
from slackapp.pairing.views import build_peer_home_blocks, build_programme_admin_blocks
from slackapp.privacy.suppression import in_steps


def peer_home_blocks(*, db: SessionFactory, workspace_id: str, user_id: str) -> list[Block]:
    """Join, or change your settings: for everyone, once a programme exists or they have a profile."""
    with db() as session:
        programmes = list_programmes(session=session, workspace_id=workspace_id)
        joined = memberships_of(session=session, workspace_id=workspace_id, user_id=user_id)
        profile = get_profile(session=session, workspace_id=workspace_id, user_id=user_id)
    if not programmes and profile is None:
        return []
    return build_peer_home_blocks(
        joined_channels=[p.channel_id for p in programmes if p.id in joined],
        paused_for_silence=bool(profile and profile.paused_for_silence),
    )


def programme_admin_blocks(
    *, db: SessionFactory, workspace_id: str, min_group_size: int, page: int = 0
) -> list[Block]:
    """HR's programmes, each with how many opted in: a count under the minimum is not shown (the
    dashboard hides a round of so few, and the App Home must not say what it hides), and a bigger one
    moves in steps of the minimum, so that two looks a minute apart never tell that one person just
    opted in or left."""
    with db() as session:
        programmes = list_programmes(session=session, workspace_id=workspace_id)
        counts = member_counts(session=session, workspace_id=workspace_id)
    steps = {str(k): in_steps(v, min_group_size) for k, v in counts.items()}
    shown = {k: step for k, step in steps.items() if step is not None}
    return build_programme_admin_blocks(programmes, shown, page, min_group_size=min_group_size)
