"""Keys and encryption at rest under `KINDRED_SECRET_KEY`, so a database dump alone reveals no secret.

The variable lists one or more keys separated by commas, newest first; each must carry at least 32 random
bytes. From each key, HKDF-SHA256 derives a separate key per purpose (`KeyPurpose`: dashboard sessions,
round secrets, stored Slack tokens, the relay's askers, and two keyed hashes), so a key recovered for one
purpose opens nothing else, and a dashboard cookie gives nothing to brute-force the others with. The first
key encrypts and signs; every one decrypts and verifies. That is how a key is rotated: put the new key in
front, run `kindred keys reseal`, then drop the old one.

Before per-purpose HKDF keys, a purpose's key was SHA-256 of "kindred:<purpose>:<key>". Secrets sealed that
way still open (the legacy keys are tried after the current ones), and `kindred keys reseal` re-encrypts
them under the HKDF keys. Likewise the relay's askers, sealed under the stored-secrets key until they had
their own purpose, still open, and `reseal` moves them to the relay's key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import math
import re
from enum import StrEnum

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_VARIABLE = "KINDRED_SECRET_KEY"
MIN_KEY_BITS = 256  # 32 random bytes
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+=*")
# A random key of 43 base64 characters has about 30 different ones; a key with few is a pattern or a word.
_MIN_DISTINCT_CHARACTERS = 16


class KeyPurpose(StrEnum):
    """What a derived key is for; the value goes into HKDF's `info`, so each purpose gets its own key."""

    DASHBOARD_SESSIONS = "dashboard-sessions"
    ROUND_SECRETS = "round-secret"
    # Slack tokens. The value is the name the tokens' key was derived under before HKDF, so that the
    # legacy derivation still finds them.
    STORED_SECRETS = "slack-token"
    # Who asked the anonymous-question relay, sealed until the answer goes: apart from the tokens, so
    # whoever holds the key that opens tokens cannot open who asked what (and the other way round).
    RELAY_ASKERS = "relay-asker"
    # The keyed hash that counts an asker's questions without storing who asked.
    ASKER_COUNTS = "asker-counts"
    # The keyed hash that counts a person's clicks for fair use.
    PERSON_PACE = "person-pace"


class WeakSecretKey(ValueError):
    """A key in KINDRED_SECRET_KEY is missing or too short; the message names the variable."""


def key_strength_bits(key: str) -> int:
    """How many random bits a key can carry at most, judged by its alphabet and length."""
    if _HEX.fullmatch(key):
        bits = 4 * len(key)
    elif _BASE64.fullmatch(key):
        bits = 6 * len(key.rstrip("="))
    else:
        bits = math.floor(len(key) * math.log2(94))  # printable ASCII, the most it could be
    return bits if len(set(key)) >= _MIN_DISTINCT_CHARACTERS else 0


def secret_keys(secret_key: str) -> list[str]:
    """The keys in the variable, newest first; raises `WeakSecretKey` if any is too weak (see below)."""
    return list(_checked_keys(secret_key))


# The configured value is in the process's memory already (in Settings); caching what is derived from it
# keeps a check-in submission from paying for HKDF and the strength check on every request.
@functools.lru_cache(maxsize=16)
def _checked_keys(secret_key: str) -> tuple[str, ...]:
    """The keys in the variable, newest first, each checked to carry at least 32 random bytes.

    Raises:
        WeakSecretKey: naming KINDRED_SECRET_KEY and which key (by position) is too weak.
    """
    keys = [key.strip() for key in secret_key.split(",")]
    if not any(keys):
        raise WeakSecretKey(f"{KEY_VARIABLE} is empty: set one or more long random keys")
    for position, key in enumerate(keys, start=1):
        if key_strength_bits(key) < MIN_KEY_BITS:
            raise WeakSecretKey(
                f"{KEY_VARIABLE} key {position} of {len(keys)} is too weak: each comma-separated key "
                "needs at least 32 random bytes (e.g. `openssl rand -base64 32`, or 64 hex characters)"
            )
    return tuple(keys)


@functools.lru_cache(maxsize=64)
def derive_key(key: str, purpose: KeyPurpose) -> bytes:
    """HKDF-SHA256 of one configured key, with the purpose as `info`: 32 bytes for that purpose only."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"kindred/{purpose.value}".encode()
    ).derive(key.encode())


def purpose_keys(secret_key: str, purpose: KeyPurpose) -> list[bytes]:
    """The derived keys for one purpose, newest first."""
    return [derive_key(key, purpose) for key in secret_keys(secret_key)]


@functools.lru_cache(maxsize=64)
def _legacy_key(key: str, purpose: KeyPurpose) -> bytes:
    return hashlib.sha256(f"kindred:{purpose.value}:{key}".encode()).digest()


def _legacy_keys(key: str, purpose: KeyPurpose) -> list[bytes]:
    """The keys a purpose's secrets were sealed under before its current key: read, never sealed with."""
    if purpose in (KeyPurpose.ROUND_SECRETS, KeyPurpose.STORED_SECRETS):
        return [_legacy_key(key, purpose)]  # before HKDF
    if purpose is KeyPurpose.RELAY_ASKERS:
        # Askers were sealed under the tokens' key until they had their own (the relay came after HKDF, so
        # never under a pre-HKDF key). Remove once every deployment has resealed or 30 days have passed.
        return [derive_key(key, KeyPurpose.STORED_SECRETS)]
    return []


class SecretBox:
    """Authenticated symmetric encryption (Fernet) under the purpose's derived keys."""

    def __init__(self, secret_key: str, *, purpose: KeyPurpose) -> None:
        keys = secret_keys(secret_key)
        current = [derive_key(key, purpose) for key in keys]
        # Tried last, only to open what was sealed before; `reseal` moves it to the current keys.
        legacy = [legacy_key for key in keys for legacy_key in _legacy_keys(key, purpose)]
        self._fernet = MultiFernet([Fernet(base64.urlsafe_b64encode(k)) for k in current + legacy])

    def seal(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def open(self, ciphertext: bytes) -> bytes:
        """Decrypt, or raise `UnreadableSecret` if no configured key fits or the data was altered."""
        try:
            return self._fernet.decrypt(ciphertext)
        except InvalidToken:
            raise UnreadableSecret(
                "the secret cannot be decrypted with any key in KINDRED_SECRET_KEY"
            ) from None

    def reseal(self, ciphertext: bytes) -> bytes:
        """Re-encrypt under the newest key (and the current derivation)."""
        try:
            return self._fernet.rotate(ciphertext)
        except InvalidToken:
            raise UnreadableSecret(
                "the secret cannot be decrypted with any key in KINDRED_SECRET_KEY"
            ) from None


class KeyedHash:
    """HMAC-SHA256 under a purpose's derived keys: the newest makes hashes, every one recognises them."""

    def __init__(self, secret_key: str, *, purpose: KeyPurpose) -> None:
        self._keys = purpose_keys(secret_key, purpose)

    def digest(self, value: str) -> bytes:
        return hmac.new(self._keys[0], value.encode(), hashlib.sha256).digest()

    def every_digest(self, value: str) -> list[bytes]:
        """The value's hash under each configured key, to find rows made before a rotation."""
        return [hmac.new(key, value.encode(), hashlib.sha256).digest() for key in self._keys]


class UnreadableSecret(Exception):
    pass
