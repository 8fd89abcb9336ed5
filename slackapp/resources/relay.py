"""The anonymous-question relay's keys: the asker sealed until the answer goes, and a keyed hash to count."""

from __future__ import annotations

from slackapp.keys.encryption import KeyedHash, KeyPurpose, SecretBox


class AskerKeys:
    """Seals who asked and hashes them, each under a key of its own, so no row holds the plain ID."""

    def __init__(self, secret_key: str) -> None:
        # Askers sealed under the stored-secrets key before the relay had its own still open; `reseal`
        # moves them (see KeyPurpose.RELAY_ASKERS).
        self._box = SecretBox(secret_key, purpose=KeyPurpose.RELAY_ASKERS)
        self._hash = KeyedHash(secret_key, purpose=KeyPurpose.ASKER_COUNTS)

    def seal(self, user_id: str) -> bytes:
        return self._box.seal(user_id.encode())

    def open(self, sealed: bytes) -> str:
        return self._box.open(sealed).decode()

    def reseal(self, sealed: bytes) -> bytes:
        return self._box.reseal(sealed)

    def hash(self, user_id: str) -> bytes:
        return self._hash.digest(user_id)

    def every_hash(self, user_id: str) -> list[bytes]:
        """The person's hash under every configured key, to find what was stored before a rotation."""
        return self._hash.every_digest(user_id)
