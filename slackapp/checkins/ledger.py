"""Round secrets and the keyed hash that lets a round refuse a second answer without knowing who gave it."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from slackapp.keys.encryption import KeyPurpose, SecretBox

ROUND_SECRET_PURPOSE = KeyPurpose.ROUND_SECRETS


class RoundSecrets:
    """Makes, seals and opens round secrets. Sealed under KINDRED_SECRET_KEY (docs/anonymity.md, rule 2)."""

    def __init__(self, secret_key: str) -> None:
        self._box = SecretBox(secret_key, purpose=ROUND_SECRET_PURPOSE)

    def new_sealed_secret(self) -> bytes:
        return self._box.seal(secrets.token_bytes(32))

    def voter_hash(self, sealed_secret: bytes, user_id: str) -> bytes:
        """HMAC-SHA256(round secret, user ID): stable within a round, unlinkable across rounds."""
        return hmac.new(self._box.open(sealed_secret), user_id.encode(), hashlib.sha256).digest()
