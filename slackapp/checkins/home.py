"""The check-ins part of a person's App Home: the check-ins open for them that they have not answered yet."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.models import Round
from slackapp.checkins.service import Standing, accepts_answers, open_rounds, standing_in
from slackapp.checkins.views import build_my_checkins_blocks
from slackapp.database import SessionFactory, utcnow
from slackapp.settings import Settings


def my_checkins_blocks(
    *, client: WebClient, db: SessionFactory, settings: Settings, workspace_id: str, user_id: str
) -> list[Block]:
    """Open check-ins in the person's channels that they can still answer; nothing when there are none.

    Whether someone has answered is shown to that person only, in their own Home (the same check that
    stops a second answer when they open the form); nobody else ever sees it (docs/anonymity.md).
    """
    now = utcnow()
    with db() as session:
        rounds = open_rounds(session=session, workspace_id=workspace_id, now=now)
    mine = rounds_in_my_channels(client, user_id, rounds)
    if not mine:
        return []
    secrets = RoundSecrets(settings.require_secret_key())
    with db() as session:
        waiting = [
            r
            for r in mine
            if accepts_answers(r, now)
            # Invited, and not answered yet: rounds the person was not invited to are not theirs.
            and standing_in(session=session, round_=r, user_id=user_id, round_secrets=secrets)
            is Standing.MAY_ANSWER
        ]
    return build_my_checkins_blocks(waiting)


def rounds_in_my_channels(client: WebClient, user_id: str, rounds: list[Round]) -> list[Round]:
    """The rounds held in channels the person is in (one users.conversations sweep, none without rounds)."""
    if not rounds:
        return []
    mine: set[str] = set()
    for page in client.users_conversations(
        user=user_id, types="public_channel,private_channel", exclude_archived=True, limit=200
    ):
        mine.update(channel["id"] for channel in page.get("channels", []))
    return [r for r in rounds if r.channel_id in mine]
