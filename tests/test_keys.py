"""KINDRED_SECRET_KEY: every key in the list carries 32 random bytes, and each purpose has its own key."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

import dash._pages
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine

from slackapp.app import create_app
from slackapp.checkins.ledger import RoundSecrets
from slackapp.database import SessionFactory
from slackapp.installations.store import SLACK_TOKEN_PURPOSE
from slackapp.keys.encryption import KeyPurpose, SecretBox, UnreadableSecret, WeakSecretKey, derive_key
from slackapp.resources.relay import AskerKeys
from slackapp.settings import Settings, SettingsError
from slackapp.web import create_web_app
from tests.conftest import SECRET_KEY

STRONG = "Zq3v9XbT1kR7mN2pL8sW4yH6jD0fG5cA-uE_oI3tY7rK9xB2nM"


@pytest.mark.parametrize(
    "value",
    [
        "a,b",
        f"{STRONG},short-old-key",  # the whole list is long; its second key is not
        f"short,{STRONG}",
        "x" * 64,  # long, but one character over and over
        "0123456789abcdef" * 2,  # 32 hex characters: 16 bytes
        "correct horse battery",
    ],
)
def test_every_key_in_the_list_must_carry_32_random_bytes(value: str, database_url: str) -> None:
    settings = Settings.from_env({"DATABASE_URL": database_url, "KINDRED_SECRET_KEY": value})
    with pytest.raises(SettingsError, match="KINDRED_SECRET_KEY"):
        settings.require_secret_key()


@pytest.mark.parametrize(
    "value",
    [
        STRONG,
        "7f" * 8 + "0123456789abcdef" * 3,  # 64 hex characters
        "UdApvr1NV55HzXjKYhQ/tHA+oGT2OJ5I9MxPJ53Q8CA=",  # `openssl rand -base64 32`
        f"{STRONG},{SECRET_KEY}",
    ],
)
def test_keys_of_32_random_bytes_are_accepted(value: str, database_url: str) -> None:
    settings = Settings.from_env({"DATABASE_URL": database_url, "KINDRED_SECRET_KEY": value})
    assert settings.require_secret_key() == value


def test_the_web_process_will_not_start_with_a_weak_key_in_the_list(
    settings: Settings, session_factory: SessionFactory, engine: Engine
) -> None:
    weak = replace(settings, secret_key=f"{SECRET_KEY},tiny")
    dash._pages.PAGE_REGISTRY.clear()
    # The Bolt app (its installation store seals tokens) or the web app refuses first, naming the key.
    with pytest.raises((SettingsError, WeakSecretKey), match="KINDRED_SECRET_KEY key 2 of 2"):
        create_web_app(create_app(weak, session_factory), engine, weak)
    dash._pages.PAGE_REGISTRY.clear()


def test_each_purpose_has_its_own_key() -> None:
    keys = {purpose: derive_key(SECRET_KEY, purpose) for purpose in KeyPurpose}
    assert len(set(keys.values())) == len(KeyPurpose)
    sealed = RoundSecrets(SECRET_KEY).new_sealed_secret()
    for purpose in (KeyPurpose.DASHBOARD_SESSIONS, KeyPurpose.STORED_SECRETS):
        with pytest.raises(InvalidToken):
            Fernet(base64.urlsafe_b64encode(keys[purpose])).decrypt(sealed)
    # Nor does the one plain SHA-256 of the configured key that the cookie key used to be close to.
    with pytest.raises(InvalidToken):
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest())).decrypt(sealed)


def test_the_key_that_opens_stored_tokens_opens_no_asker_and_the_relays_key_opens_no_token() -> None:
    """An operator given the tokens' key (to debug installations) learns nothing of who asked the relay."""
    tokens_box = SecretBox(SECRET_KEY, purpose=SLACK_TOKEN_PURPOSE)
    sealed_asker = AskerKeys(SECRET_KEY).seal("U0ASKER")
    with pytest.raises(UnreadableSecret):
        tokens_box.open(sealed_asker)
    with pytest.raises(InvalidToken):
        Fernet(base64.urlsafe_b64encode(derive_key(SECRET_KEY, KeyPurpose.STORED_SECRETS))).decrypt(
            sealed_asker
        )
    # The relay seals under a key of its own, which opens no token. (The relay's box built from the whole
    # KINDRED_SECRET_KEY still reads the tokens' key, for askers sealed before, until that fallback goes.)
    relay_key = Fernet(base64.urlsafe_b64encode(derive_key(SECRET_KEY, KeyPurpose.RELAY_ASKERS)))
    assert relay_key.decrypt(sealed_asker) == b"U0ASKER"
    with pytest.raises(InvalidToken):
        relay_key.decrypt(tokens_box.seal(b"xoxb-a-stored-token"))
