"""Encryption at rest under `KINDRED_SECRET_KEY`, so a database dump alone reveals no secret."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    """Authenticated symmetric encryption (Fernet) with a key derived from the configured secret."""

    def __init__(self, secret_key: str, *, purpose: str) -> None:
        # One derived key per purpose, so round secrets and (later) tokens never share a key.
        digest = hashlib.sha256(f"kindred:{purpose}:{secret_key}".encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def open(self, ciphertext: bytes) -> bytes:
        """Decrypt, or raise `UnreadableSecret` if the key changed or the data was altered."""
        try:
            return self._fernet.decrypt(ciphertext)
        except InvalidToken:
            raise UnreadableSecret(
                "the secret cannot be decrypted with the current KINDRED_SECRET_KEY"
            ) from None


class UnreadableSecret(Exception):
    pass
