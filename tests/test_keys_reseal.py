"""Rotating KINDRED_SECRET_KEY: new key in front, reseal, drop the old key; nothing becomes unreadable."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import select, update

from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.models import Round
from slackapp.database import SessionFactory, utcnow
from slackapp.installations.store import EncryptedInstallationStore
from slackapp.keys.encryption import KeyPurpose, SecretBox, UnreadableSecret
from slackapp.keys.reseal import reseal_secrets
from tests.factories import SECRET_KEY, answer, make_open_round

NEW_KEY = "a-brand-new-key-from-the-vault-0123456789-ZyXwVuTsRqPo"
OLD_KEY = "the-old-key-from-last-year-0123456789-AbCdEfGhIjKlMnOp"


def test_several_keys_decrypt_and_the_first_encrypts() -> None:
    old = SecretBox(OLD_KEY, purpose=KeyPurpose.ROUND_SECRETS)
    both = SecretBox(f"{NEW_KEY},{OLD_KEY}", purpose=KeyPurpose.ROUND_SECRETS)
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


def _sealed_before_hkdf(purpose: str, plaintext: bytes) -> bytes:
    """What Kindred wrote before per-purpose HKDF keys: Fernet under SHA-256("kindred:<purpose>:<key>")."""
    key = hashlib.sha256(f"kindred:{purpose}:{SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key)).encrypt(plaintext)


def test_a_round_secret_sealed_before_hkdf_still_opens_and_reseal_moves_it_to_the_hkdf_key(
    session_factory: SessionFactory,
) -> None:
    round_ = make_open_round(session_factory)
    legacy = _sealed_before_hkdf("round-secret", b"s" * 32)
    with session_factory.begin() as session:
        session.execute(update(Round).where(Round.id == round_.id).values(secret_ciphertext=legacy))
    secrets = RoundSecrets(SECRET_KEY)
    before = secrets.voter_hash(legacy, "U1")  # opens with the legacy derivation

    assert reseal_secrets(session_factory.kw["bind"], SECRET_KEY) == 1

    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.secret_ciphertext is not None
    assert stored.secret_ciphertext != legacy
    assert secrets.voter_hash(stored.secret_ciphertext, "U1") == before
    legacy_fernet = Fernet(
        base64.urlsafe_b64encode(hashlib.sha256(f"kindred:round-secret:{SECRET_KEY}".encode()).digest())
    )
    with pytest.raises(InvalidToken):
        legacy_fernet.decrypt(stored.secret_ciphertext)


def test_a_token_sealed_before_hkdf_still_opens(session_factory: SessionFactory) -> None:
    engine = session_factory.kw["bind"]
    store = EncryptedInstallationStore(client_id="1.2", engine=engine, secret_key=SECRET_KEY)
    store.save_bot(
        Bot(
            app_id="A1",
            bot_id="B1",
            bot_user_id="U0BOT",
            bot_token="xoxb-placeholder",
            team_id="T1",
            installed_at=utcnow().timestamp(),
        )
    )
    from slackapp.installations.tables import bots

    with engine.begin() as connection:
        connection.execute(
            update(bots).values(bot_token=_sealed_before_hkdf("slack-token", b"xoxb-from-last-year").decode())
        )
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-from-last-year"


def test_reseal_moves_a_waiting_questions_sealed_asker_to_the_new_key(
    session_factory: SessionFactory,
) -> None:
    from slackapp.resources.models import AnonymousQuestion
    from slackapp.resources.relay import AskerKeys
    from slackapp.resources.service import ask_anonymously
    from tests.resource_factories import make_entry

    entry = make_entry(session_factory)
    with session_factory.begin() as session:
        ask_anonymously(
            session=session,
            workspace_id=entry.workspace_id,
            entry_id=entry.id,
            asker_id="U0ASKER",
            question="Is it for me?",
            now=utcnow(),
            keys=AskerKeys(SECRET_KEY),
        )

    assert reseal_secrets(session_factory.kw["bind"], f"{NEW_KEY},{SECRET_KEY}") == 1

    with session_factory() as session:
        [sealed] = session.scalars(select(AnonymousQuestion.asker_sealed)).all()
    assert AskerKeys(NEW_KEY).open(sealed) == "U0ASKER"
    with pytest.raises(UnreadableSecret):
        AskerKeys(SECRET_KEY).open(sealed)


def test_reseal_moves_an_asker_sealed_under_the_tokens_key_to_the_relays_own_key(
    session_factory: SessionFactory,
) -> None:
    """Askers sealed before the relay had its own purpose: reseal leaves the tokens' key nothing to open."""
    from slackapp.installations.store import SLACK_TOKEN_PURPOSE
    from slackapp.resources.models import AnonymousQuestion
    from slackapp.resources.relay import AskerKeys
    from slackapp.resources.service import ask_anonymously
    from tests.resource_factories import make_entry

    entry = make_entry(session_factory)
    tokens_box = SecretBox(SECRET_KEY, purpose=SLACK_TOKEN_PURPOSE)
    with session_factory.begin() as session:
        ask_anonymously(
            session=session,
            workspace_id=entry.workspace_id,
            entry_id=entry.id,
            asker_id="U0ASKER",
            question="Is it for me?",
            now=utcnow(),
            keys=AskerKeys(SECRET_KEY),
        )
        # What Kindred wrote before askers had their own purpose.
        session.execute(update(AnonymousQuestion).values(asker_sealed=tokens_box.seal(b"U0ASKER")))

    assert reseal_secrets(session_factory.kw["bind"], SECRET_KEY) == 1  # the same key: no rotation needed

    with session_factory() as session:
        [sealed] = session.scalars(select(AnonymousQuestion.asker_sealed)).all()
    assert AskerKeys(SECRET_KEY).open(sealed) == "U0ASKER"
    with pytest.raises(UnreadableSecret):
        tokens_box.open(sealed)
