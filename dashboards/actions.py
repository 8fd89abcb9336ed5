""" "You said, we did" on a team's overview: the notes, whether the next weeks moved, and a form to add one.

Recording a note re-checks, on the server, that the viewer may see the team; the note is then posted
in the team's channel. The before-and-after figures are published well-being values from the gate.
"""

from __future__ import annotations

from dash import dcc, html
from dash.development.base_component import Component
from slack_sdk.errors import SlackApiError, SlackClientError

from dashboards.auth import current_viewer
from dashboards.context import current_context
from dashboards.queries import OverviewData, week_label
from slackapp.actions.service import Note, action_message, list_actions, mark_posted, record_action
from slackapp.database import utcnow
from slackapp.errors import InvalidInput
from slackapp.installations.clients import WorkspaceNotInstalled
from slackapp.privacy.gate import Gate, OutOfScope
from slackapp.privacy.suppression import UnitKey, UnitKind

NOT_ALLOWED = "Only this team's managers and HR can record what will be done."


def notes_section(gate: Gate, unit: UnitKey, overview: OverviewData) -> Component:
    with current_context().session_factory() as session:
        notes = list_actions(session=session, workspace_id=gate.viewer.workspace_id, channel_id=unit.id)
    return html.Section(
        [
            html.H3("You said, we did"),
            html.P(
                "After a check-in, note what you will do about it. Kindred posts it in the team's channel, "
                "so people see their answers lead somewhere."
            ),
            html.Ul(note_items(notes, overview), id="action-list"),
            dcc.Textarea(
                id="action-text",
                placeholder="For example: we are moving the Monday stand-up so mornings stay free for focus.",
                maxLength=1000,
                style={"width": "100%", "maxWidth": "40rem", "height": "5rem"},
            ),
            html.Button("Save and post to the team's channel", id="action-save", n_clicks=0),
            html.P(id="action-status", role="status"),
        ],
        id="you-said-we-did",
    )


def note_items(notes: list[Note], overview: OverviewData) -> list[Component]:
    """Each note, with well-being in its week and in the latest week shown since (published values only)."""
    if not notes:
        return [html.Li("No notes yet.")]
    items: list[Component] = []
    for note in notes:
        then = next((p for p in overview.weeks if p.week == note.week), None)
        after = [p for p in overview.weeks if p.week > note.week and p.wellbeing is not None]
        moved = ""
        if then is not None and then.wellbeing is not None and after:
            latest = after[-1]
            assert latest.wellbeing is not None
            moved = (
                f" Well-being {then.wellbeing:.1f} then, {latest.wellbeing:.1f} in the week of "
                f"{week_label(latest.week)}."
            )
        elif after == [] and then is not None:
            moved = " No results since yet."
        items.append(html.Li(f"Week of {week_label(note.week)}: {note.body}{moved}"))
    return items


def save_note(unit_param: str | None, text: str | None) -> tuple[str, list[Component] | None]:
    """The save button's callback: check the scope, keep the note, post it, and list the notes again."""
    from dashboards import queries  # the overview's published figures, for the refreshed list

    viewer = current_viewer()
    unit = UnitKey.from_param(unit_param or "")
    if viewer is None or unit is None or unit.kind is not UnitKind.TEAM:
        return NOT_ALLOWED, None
    context = current_context()
    with context.session_factory() as session:
        gate = Gate(session=session, viewer=viewer, rules=context.rules)
        try:
            overview = queries.overview(gate, unit)
        except OutOfScope:
            return NOT_ALLOWED, None
        published = [p for p in overview.weeks if p.respondents is not None]
        if not published:
            return "There are no results for this team yet, so there is nothing to answer.", None
    try:
        with context.session_factory.begin() as session:
            note = record_action(
                session=session,
                workspace_id=viewer.workspace_id,
                channel_id=unit.id,
                week=published[-1].week,
                body=text or "",
                written_by=viewer.user_id,
                now=utcnow(),
            )
            body, channel = note.body, note.channel_id
    except InvalidInput as invalid:
        return next(iter(invalid.errors.values())), None
    # Posted after the note is committed: a Slack failure must not lose what the manager wrote.
    ts, status = _post(viewer.workspace_id, channel, body)
    with context.session_factory.begin() as session:
        if ts:
            mark_posted(session=session, note=session.merge(note), ts=ts)
        notes = list_actions(session=session, workspace_id=viewer.workspace_id, channel_id=unit.id)
    return status, note_items(notes, overview)


def _post(workspace_id: str, channel_id: str, body: str) -> tuple[str | None, str]:
    """Post the note in the channel: the message ts (if posted) and a sentence saying what happened.

    With the workspace's own client: the one bot token, or in OAuth mode the token its installation
    stored (refreshed when due), as the worker posts.
    """
    context = current_context()
    if context.settings.demo or context.slack_clients is None:
        return None, "Saved. (The demo does not post to Slack.)"
    try:
        client = context.slack_clients(workspace_id)
        reply = client.chat_postMessage(channel=channel_id, text=action_message(body))
    except WorkspaceNotInstalled:
        return None, "Saved, but Kindred is no longer installed in this workspace, so it was not posted."
    except SlackApiError:
        return None, "Saved, but Slack would not take the message: is Kindred still in the channel?"
    except (SlackClientError, OSError):
        return None, "Saved, but Slack did not answer, so it was not posted. Please try again later."
    return str(reply.get("ts") or "") or None, "Saved and posted in the team's channel."
