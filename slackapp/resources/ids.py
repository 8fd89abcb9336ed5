"""Every callback, block and action id of the resources feature, shared by views, listeners and tests."""

from enum import StrEnum


class ResourceCallback(StrEnum):
    ENTRY_FORM = "resources_entry_form"
    DIRECTORY = "resources_directory"
    ASK_ANONYMOUSLY = "resources_ask_anonymously"
    ANSWER = "resources_answer"
    SUPPORT_MAP = "resources_support_map"
    AUDIT_LOG = "resources_audit_log"


class ResourceAction(StrEnum):
    # HR, in the App Home's admin section; values are entry ids.
    NEW_ENTRY = "resources_entry_new"
    EDIT_ENTRY = "resources_entry_edit"
    ARCHIVE_ENTRY = "resources_entry_archive"
    RESTORE_ENTRY = "resources_entry_restore"
    SHOW_AUDIT_LOG = "resources_audit_show"
    ENTRY_FIELD = "resources_entry_field"
    # Everyone: the directory (a modal from /resources or the App Home) and its filters.
    BROWSE = "resources_browse"
    FILTER_KIND = "resources_filter_kind"
    FILTER_TAG = "resources_filter_tag"
    SEARCH = "resources_search"
    # A directory list's Previous and Next; the value is a page turn (`home.pages.page_value`).
    PREVIOUS_PAGE = "resources_previous_page"
    NEXT_PAGE = "resources_next_page"
    JOIN = "resources_join"
    ASK_TO_JOIN = "resources_ask_to_join"
    ADD_REQUESTER = "resources_add_requester"  # the contact's button; value is JSON: entry and person
    ASK_ANONYMOUSLY = "resources_ask_anonymously"
    OPEN_LINK = "resources_open_link"
    QUESTION_FIELD = "resources_question_field"
    ANSWER_QUESTION = "resources_answer_question"  # the contact's button; value is the question id
    REPORT_QUESTION = "resources_report_question"  # the contact's button; value is the question id
    ANSWER_FIELD = "resources_answer_field"
    CHOOSE_REGION = "resources_region"
    # My support map.
    EDIT_SUPPORT_MAP = "resources_map_edit"
    CLEAR_SUPPORT_MAP = "resources_map_clear"
    MAP_HOW_MANY = "resources_map_how_many"
    MAP_FROM_WHERE = "resources_map_from_where"


class EntryBlock(StrEnum):
    """Blocks of the entry form, named after the `EntrySpec` fields they fill."""

    KIND = "kind"
    NAME = "name"
    DESCRIPTION = "description"
    CHANNEL = "channel_id"
    CONTACT = "contact_id"
    URL = "url"
    PHONE = "phone"
    SUPPORT_KINDS = "support_kinds"
    TAGS = "tags"
    OPTIONS = "options"
    REGIONS = "regions"


class DirectoryBlock(StrEnum):
    KIND = "directory_kind"
    TAG = "directory_tag"
    SEARCH = "directory_search"


class DirectoryList(StrEnum):
    """The directory modal's lists, each shown a page at a time."""

    PROFESSIONAL = "professional"
    GROUPS = "groups"


QUESTION_BLOCK = "question"
ANSWER_BLOCK = "answer"
NEEDS_APPROVAL_OPTION = "needs_approval"
ANY = "any"  # the "no filter" option of the directory's selects
# The metadata of Kindred's DMs about groups (join requests, welcomes, anonymous questions and answers).
DM_EVENT = "kindred_resources_message"
