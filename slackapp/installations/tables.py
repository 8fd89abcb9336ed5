"""slack_sdk's installation and OAuth-state tables, declared on Kindred's metadata so Alembic manages them.

Token columns are widened: they hold Fernet ciphertext, which is longer than the token itself.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import String, Table

from slackapp.database import KEPT, PSEUDONYMISE, Base, person

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"
ENCRYPTED_TOKEN_LENGTH = 1000


def _widen_tokens(table: Table) -> Table:
    for column in table.columns:
        if column.name.endswith("_token"):
            column.type = String(ENCRYPTED_TOKEN_LENGTH)
    return table


installations = _widen_tokens(
    SQLAlchemyInstallationStore.build_installations_table(Base.metadata, INSTALLATIONS_TABLE)
)
bots = _widen_tokens(SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS_TABLE))
# The person who installed Kindred: the installation stays (the workspace needs it), their ID goes.
installations.c.user_id.info.update(
    person(PSEUDONYMISE, "You installed Kindred in this workspace (your ID is kept as the installer).")
)
for table in (installations, bots):
    table.c.bot_user_id.info.update(person(KEPT, why="Kindred's own bot user, not a person"))
oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, OAUTH_STATES_TABLE)
