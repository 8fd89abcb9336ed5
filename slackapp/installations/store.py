"""An installation store that keeps every token encrypted under KINDRED_SECRET_KEY.

It wraps slack_sdk's SQLAlchemy store: tokens are sealed on the way in and opened on the way out, so a
database dump holds no usable token, and nothing here ever logs one.
"""

from __future__ import annotations

import copy
import logging
from typing import TypeVar

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, select

from slackapp.installations.tables import BOTS_TABLE, INSTALLATIONS_TABLE
from slackapp.keys.encryption import KeyPurpose, SecretBox

SLACK_TOKEN_PURPOSE = KeyPurpose.STORED_SECRETS
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
Record = TypeVar("Record", Bot, Installation)


class EncryptedInstallationStore(InstallationStore):
    def __init__(self, *, client_id: str, engine: Engine, secret_key: str) -> None:
        self._store = SQLAlchemyInstallationStore(
            client_id=client_id,
            engine=engine,
            bots_table_name=BOTS_TABLE,
            installations_table_name=INSTALLATIONS_TABLE,
            logger=logging.getLogger("kindred.installations"),
        )
        self._box = SecretBox(secret_key, purpose=SLACK_TOKEN_PURPOSE)

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger("kindred.installations")

    def save(self, installation: Installation) -> None:
        self._store.save(self._sealed(installation))

    def save_bot(self, bot: Bot) -> None:
        self._store.save_bot(self._sealed(bot))

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        bot = self._store.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return self._opened(bot) if bot is not None else None

    def find_workspace_bot(self, team_id: str) -> Bot | None:
        """The workspace's bot, whether or not the workspace belongs to an Enterprise Grid organisation.

        Kindred keys its data by workspace id alone (unique across Grids too), but slack_sdk's
        `find_bot(enterprise_id=None, ...)` only finds workspaces outside any Grid.
        """
        c = self._store.bots.c
        query = (
            select(self._store.bots)
            .where(c.client_id == self._store.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(c.installed_at.desc())
            .limit(1)
        )
        with self._store.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return self._opened(self._store.build_bot_entity(row)) if row is not None else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        installation = self._store.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._opened(installation) if installation is not None else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self._store.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._store.delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def delete_workspace(self, team_id: str) -> int:
        """Delete every token of a workspace, in or out of an Enterprise Grid: its bot and installation rows.

        slack_sdk's `delete_bot` leaves the installation rows, which hold the bot token too.

        Returns:
            How many rows were deleted.
        """
        deleted = 0
        with self._store.engine.begin() as connection:
            for table in (self._store.bots, self._store.installations):
                c = table.c
                result = connection.execute(
                    table.delete().where(c.client_id == self._store.client_id, c.team_id == team_id)
                )
                deleted += result.rowcount
        return deleted

    def _sealed(self, record: Record) -> Record:
        sealed = copy.copy(record)
        for field in TOKEN_FIELDS:
            value = getattr(sealed, field, None)
            if value:
                setattr(sealed, field, self._box.seal(value.encode()).decode())
        return sealed

    def _opened(self, record: Record) -> Record:
        for field in TOKEN_FIELDS:
            value = getattr(record, field, None)
            if value:
                setattr(record, field, self._box.open(value.encode()).decode())
        return record
