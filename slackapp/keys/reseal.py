"""`kindred keys reseal`: re-encrypt every secret at rest under the newest KINDRED_SECRET_KEY."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from slackapp.checkins.ledger import ROUND_SECRET_PURPOSE
from slackapp.checkins.models import Round
from slackapp.installations.store import SLACK_TOKEN_PURPOSE, TOKEN_FIELDS
from slackapp.installations.tables import bots, installations
from slackapp.keys.encryption import SecretBox
from slackapp.resources.models import AnonymousQuestion
from slackapp.resources.relay import AskerKeys


def reseal_secrets(engine: Engine, secret_key: str) -> int:
    """Re-encrypt open rounds' secrets, every stored Slack token and the relay's sealed askers, in one
    transaction, under the newest key's per-purpose keys (which also moves what was sealed before HKDF, and
    askers sealed under the stored-secrets key before the relay had its own).

    Returns:
        How many values were re-encrypted.
    """
    rounds_box = SecretBox(secret_key, purpose=ROUND_SECRET_PURPOSE)
    tokens_box = SecretBox(secret_key, purpose=SLACK_TOKEN_PURPOSE)
    askers = AskerKeys(secret_key)
    count = 0
    with engine.begin() as connection:
        for round_id, sealed in connection.execute(
            select(Round.id, Round.secret_ciphertext).where(Round.secret_ciphertext.is_not(None))
        ).all():
            assert sealed is not None
            connection.execute(
                update(Round).where(Round.id == round_id).values(secret_ciphertext=rounds_box.reseal(sealed))
            )
            count += 1
        for table in (installations, bots):
            fields = [table.c[name] for name in TOKEN_FIELDS if name in table.c]
            for row in connection.execute(select(table.c.id, *fields)).mappings():
                changes = {
                    column.name: tokens_box.reseal(row[column.name].encode()).decode()
                    for column in fields
                    if row[column.name]
                }
                if changes:
                    connection.execute(update(table).where(table.c.id == row["id"]).values(**changes))
                    count += len(changes)
        for question_id, sealed_asker in connection.execute(
            select(AnonymousQuestion.id, AnonymousQuestion.asker_sealed)
        ).all():
            connection.execute(
                update(AnonymousQuestion)
                .where(AnonymousQuestion.id == question_id)
                .values(asker_sealed=askers.reseal(sealed_asker))
            )
            count += 1
    return count
