"""Ids of the data-rights actions."""

from enum import StrEnum


class DataRightsAction(StrEnum):
    SHOW_MY_DATA = "data_rights_show"
    DELETE_MY_DATA = "data_rights_delete"
