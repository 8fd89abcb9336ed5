"""The check-ins part of a person's App Home: the check-ins open for them that they have not answered yet."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.service import Standing, invited_open_rounds
from slackapp.checkins.views import build_my_checkins_blocks
from slackapp.database import SessionFactory, utcnow
from slackapp.settings import Settings


def my_checkins_blocks(
    *, db: SessionFactory, settings: Settings, workspace_id: str, user_id: str
) -> list[Block]:
    """Open check-ins the person was invited to and can still answer; nothing when there are none.

    Whether someone has answered is shown to that person only, in their own Home (the same check that
    stops a second answer when they open the form); nobody else ever sees it (docs/anonymity.md). Found
    from the round's invitees, so opening the Home costs no Slack call.
    """
    with db() as session:
        rounds = invited_open_rounds(
            session=session,
            workspace_id=workspace_id,
            user_id=user_id,
            now=utcnow(),
            round_secrets=RoundSecrets(settings.require_secret_key()),
        )
    return build_my_checkins_blocks([r for r, standing in rounds if standing is Standing.MAY_ANSWER])
