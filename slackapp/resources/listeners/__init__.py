"""Resource listeners: parse what Slack sent, call the service, render a view. Nothing more."""

from __future__ import annotations

from slack_bolt import App

from slackapp.admin.operations import admin_form_listener, admin_modal_listener
from slackapp.resources.ids import ResourceAction, ResourceCallback
from slackapp.resources.listeners.directory import (
    acknowledge,
    browse,
    choose_region,
    refilter,
    resources_command,
    search_directory,
    turn_directory_page,
)
from slackapp.resources.listeners.joining import add_requester, ask_to_join, join_group
from slackapp.resources.listeners.keeping import (
    archive_entry,
    audit_log,
    entry_form,
    new_entry_form,
    restore_entry,
    save_entry,
)
from slackapp.resources.listeners.questions import (
    open_answer_form,
    open_ask_anonymously,
    report_question,
    send_anonymous_question,
    send_answer,
)
from slackapp.resources.listeners.support_map import clear_map, open_support_map, save_map


def register(app: App) -> None:
    app.command("/resources")(resources_command)
    app.action(ResourceAction.BROWSE)(browse)
    for action in (ResourceAction.FILTER_KIND, ResourceAction.FILTER_TAG, ResourceAction.SEARCH):
        app.action(action)(refilter)
    app.action(ResourceAction.PREVIOUS_PAGE)(turn_directory_page)
    app.action(ResourceAction.NEXT_PAGE)(turn_directory_page)
    app.view(ResourceCallback.DIRECTORY)(search_directory)
    app.action(ResourceAction.OPEN_LINK)(acknowledge)
    app.action(ResourceAction.JOIN)(join_group)
    app.action(ResourceAction.ASK_TO_JOIN)(ask_to_join)
    app.action(ResourceAction.ADD_REQUESTER)(add_requester)
    app.action(ResourceAction.ASK_ANONYMOUSLY)(open_ask_anonymously)
    app.view(ResourceCallback.ASK_ANONYMOUSLY)(send_anonymous_question)
    app.action(ResourceAction.ANSWER_QUESTION)(open_answer_form)
    app.action(ResourceAction.REPORT_QUESTION)(report_question)
    app.view(ResourceCallback.ANSWER)(send_answer)
    app.action(ResourceAction.CHOOSE_REGION)(choose_region)
    app.action(ResourceAction.EDIT_SUPPORT_MAP)(open_support_map)
    app.view(ResourceCallback.SUPPORT_MAP)(save_map)
    app.action(ResourceAction.CLEAR_SUPPORT_MAP)(clear_map)
    app.action(ResourceAction.NEW_ENTRY)(admin_modal_listener(new_entry_form))
    app.action(ResourceAction.EDIT_ENTRY)(admin_modal_listener(entry_form))
    app.view(ResourceCallback.ENTRY_FORM)(
        admin_form_listener(save_entry, action_id=ResourceAction.ENTRY_FIELD)
    )
    app.action(ResourceAction.ARCHIVE_ENTRY)(archive_entry)
    app.action(ResourceAction.RESTORE_ENTRY)(restore_entry)
    app.action(ResourceAction.SHOW_AUDIT_LOG)(admin_modal_listener(audit_log))
