"""Ids of the admin feature's views and actions."""

from enum import StrEnum


class AdminCallback(StrEnum):
    HELP_FORM = "admin_help_form"
    PURGE_FORM = "admin_purge_form"


class AdminAction(StrEnum):
    EDIT_HELP = "admin_help_edit"
    ADD_ADMIN = "admin_add"  # a users_select in the App Home
    REMOVE_ADMIN = "admin_remove"  # value is the user id
    HELP_FIELD = "admin_help_field"
    ASK_PURGE = "admin_purge_ask"
    PURGE_CONFIRMATION = "admin_purge_confirmation"


PURGE_BLOCK = "confirmation"
PURGE_WORD = "DELETE"


class HelpBlock(StrEnum):
    NAME = "name"
    URL = "url"
    PHONE = "phone"
