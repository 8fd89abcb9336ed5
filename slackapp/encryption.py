"""Encryption at rest under `KINDRED_SECRET_KEY`, so a database dump alone reveals no secret.

The variable may list several keys separated by commas, newest first: the first encrypts, every one
decrypts. That is how a key is rotated: put the new key in front, run `kindred keys reseal`, then drop
the old one.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def secret_keys(secret_key: str) -> list[str]:
    return [key.strip() for key in secret_key.split(",") if key.strip()]


class SecretBox:
    """Authenticated symmetric encryption (Fernet) with keys derived from the configured secrets."""

    def __init__(self, secret_key: str, *, purpose: str) -> None:
        # One derived key per purpose, so round secrets and tokens never share a key.
        self._fernet = MultiFernet(
            [
                Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"kindred:{purpose}:{key}".encode()).digest()))
                for key in secret_keys(secret_key)
            ]
        )

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
        """Re-encrypt under the newest key."""
        try:
            return self._fernet.rotate(ciphertext)
        except InvalidToken:
            raise UnreadableSecret(
                "the secret cannot be decrypted with any key in KINDRED_SECRET_KEY"
            ) from None


class UnreadableSecret(Exception):
    pass
