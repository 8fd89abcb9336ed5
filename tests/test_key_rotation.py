"""Rotating KINDRED_SECRET_KEY: new key in front, reseal, drop the old key; nothing becomes unreadable."""

from __future__ import annotations

import pytest
from slack_sdk.oauth.installation_store import Bot

from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.models import Round
from slackapp.database import SessionFactory, utcnow
from slackapp.encryption import SecretBox, UnreadableSecret
from slackapp.installations.store import EncryptedInstallationStore
from slackapp.key_rotation import reseal_secrets
from tests.factories import SECRET_KEY, answer, make_open_round

NEW_KEY = "a-brand-new-key-from-the-vault-0123456789"


def test_several_keys_decrypt_and_the_first_encrypts() -> None:
    old = SecretBox("old-key-0123456789", purpose="test")
    both = SecretBox("new-key-0123456789,old-key-0123456789", purpose="test")
    assert both.open(old.seal(b"hello")) == b"hello"
    with pytest.raises(UnreadableSecret):
        old.open(both.seal(b"hello"))


def test_reseal_moves_every_secret_to_the_new_key_so_the_old_one_can_go(
    session_factory: SessionFactory,
) -> None:
    round_ = make_open_round(session_factory)
    answer(session_factory, round_.id, "U1")
    engine = session_factory.kw["bind"]
    EncryptedInstallationStore(client_id="1.2", engine=engine, secret_key=SECRET_KEY).save_bot(
        Bot(
            app_id="A1",
            bot_id="B1",
            bot_user_id="U0BOT",
            bot_token="xoxb-keep-me",
            team_id="T1",
            installed_at=utcnow().timestamp(),
        )
    )

    assert reseal_secrets(engine, f"{NEW_KEY},{SECRET_KEY}") == 2

    only_new = RoundSecrets(NEW_KEY)
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.secret_ciphertext is not None
        # The ledger still recognises the person who answered: same secret, new key.
        assert only_new.voter_hash(stored.secret_ciphertext, "U1") == RoundSecrets(
            f"{NEW_KEY},{SECRET_KEY}"
        ).voter_hash(stored.secret_ciphertext, "U1")
    bot = EncryptedInstallationStore(client_id="1.2", engine=engine, secret_key=NEW_KEY).find_bot(
        enterprise_id=None, team_id="T1"
    )
    assert bot is not None and bot.bot_token == "xoxb-keep-me"
