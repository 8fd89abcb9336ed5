"""Action plans ("you said, we did") on a team's overview: the plans, whether the next weeks moved, a form.

Every callback re-checks, on the server, that the viewer may see the team. A plan is posted in the
team's channel only after its message has been previewed, and only once whatever the clicks: the first
click claims it in the database, a second finds it claimed. Whether well-being moved after a plan is
judged from published cells only, against the noise of the team's size.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import dash_mantine_components as dmc
from dash import dcc, html
from dash.development.base_component import Component
from slack_sdk.errors import SlackApiError, SlackClientError

from dashboards import queries
from dashboards.auth import current_viewer
from dashboards.context import current_context
from slackapp.actions.service import (
    Note,
    PlanSpec,
    PlanStatus,
    action_message,
    claim_posting,
    delete_action,
    list_actions,
    mark_posted,
    record_action,
    update_action,
)
from slackapp.database import utcnow
from slackapp.errors import InvalidInput, NotFound
from slackapp.installations.clients import WorkspaceNotInstalled
from slackapp.privacy.gate import Cell, Gate, OutOfScope
from slackapp.privacy.suppression import UnitKey, UnitKind

NOT_ALLOWED = "Only this team's managers and HR can record what will be done."
NO_RESULTS = "There are no results for this team yet, so there is nothing to answer."
STATUS_OPTIONS = [{"value": s.value, "label": s.label} for s in PlanStatus]


def plans_section(gate: Gate, unit: UnitKey, overview: queries.OverviewData) -> Component:
    """The team's plans and the form to add or edit one."""
    with current_context().session_factory() as session:
        notes = list_actions(session=session, workspace_id=gate.viewer.workspace_id, channel_id=unit.id)
    cells = queries.wellbeing_cells(gate, unit)
    return html.Section(
        [
            dmc.Title("You said, we did: action plans", order=2, size="h4", mt="xl"),
            dmc.Text(
                "After a check-in, write down what will change, who is on it and by when. You preview the "
                "message before Kindred posts it in the team's channel, and the next check-in invitation "
                "repeats the latest plan, so people see their answers lead somewhere.",
                size="sm",
                mb="sm",
            ),
            html.Div(plan_items(notes, cells), id="action-list"),
            dcc.Store(id="plan-unit", data=unit.to_param()),
            dcc.Store(id="plan-id", data=None),
            dcc.Store(id="plan-post-id", data=None),
            dmc.Paper(
                [
                    dmc.Textarea(
                        id="action-text",
                        label="What will you do?",
                        placeholder="For example: we are moving the Monday stand-up so mornings stay free.",
                        inputProps={"maxLength": 1000},
                        autosize=True,
                        minRows=2,
                    ),
                    dmc.SimpleGrid(
                        [
                            dmc.TextInput(
                                id="plan-owner", label="Who is on it", inputProps={"maxLength": 120}
                            ),
                            dmc.TextInput(id="plan-due", label="Due (YYYY-MM-DD)", placeholder="2026-12-31"),
                            dmc.Select(
                                id="plan-status",
                                label="Status",
                                data=STATUS_OPTIONS,
                                value=PlanStatus.PLANNED.value,
                                allowDeselect=False,
                            ),
                        ],
                        cols={"base": 1, "sm": 3},
                        mt="xs",
                    ),
                    dmc.Group(
                        [
                            dmc.Button("Save plan", id="action-save", n_clicks=0),
                            dmc.Button("Clear", id="plan-clear", variant="default", n_clicks=0),
                        ],
                        mt="sm",
                    ),
                    html.P(id="action-status", role="status", style={"margin": "0.5rem 0 0"}),
                ],
                withBorder=True,
                p="md",
                radius="md",
                mt="sm",
            ),
            dmc.Modal(
                [
                    dmc.Text("This is what the team's channel will see:", size="sm", mb="xs"),
                    dmc.Blockquote(id="plan-preview-text"),
                    dmc.Group(
                        [
                            dmc.Button("Post to the team's channel", id="plan-post", n_clicks=0),
                            dmc.Button("Not now", id="plan-cancel", variant="default", n_clicks=0),
                        ],
                        mt="md",
                    ),
                ],
                id="plan-preview",
                title="Preview the message",
                opened=False,
            ),
        ],
        id="you-said-we-did",
    )


def _badge(label: str, *, color: str = "gray", variant: str = "filled") -> Component:
    """A plan's status, owner or date: Mantine's default badge prints 11 px capitals, too small on a phone."""
    badge: Component = dmc.Badge(label, color=color, variant=variant, size="lg", tt="none")
    return badge


def plan_items(notes: list[Note], cells: list[Cell]) -> list[Component]:
    """Each plan: what, who, by when, its status, whether well-being moved since, and its buttons."""
    if not notes:
        return [dmc.Text("No plans yet.", size="sm", id="no-plans")]
    items: list[Component] = []
    for note in reversed(notes):  # newest first
        key = str(note.id)
        badges = [
            _badge(note.status.label, color={"done": "teal", "in_progress": "blue"}.get(note.status, "gray"))
        ]
        if note.owner:
            badges.append(_badge(f"Owner: {note.owner}", variant="outline"))
        if note.due:
            badges.append(_badge(f"Due {queries.week_label(note.due)}", variant="outline"))
        badges.append(_badge("Posted" if note.posted else "Not posted yet", variant="light"))
        buttons = [
            dmc.Button(
                "Edit",
                id={"type": "plan-edit", "index": key},
                size="compact-sm",
                variant="default",
                n_clicks=0,
            ),
            dmc.Button(
                "Delete",
                id={"type": "plan-delete", "index": key},
                size="compact-sm",
                variant="default",
                color="red",
                n_clicks=0,
            ),
        ]
        if not note.posted:
            buttons.insert(
                0,
                dmc.Button(
                    "Preview and post",
                    id={"type": "plan-preview", "index": key},
                    size="compact-sm",
                    n_clicks=0,
                ),
            )
        items.append(
            dmc.Paper(
                [
                    dmc.Text(f"Week of {queries.week_label(note.week)}: {note.body}", fw=500),
                    dmc.Group(badges, gap=6, mt=4),
                    dmc.Text(
                        queries.progress_since(cells, note.week), size="sm", mt=4, className="plan-progress"
                    ),
                    dmc.Group(buttons, gap="xs", mt="xs"),
                ],
                withBorder=True,
                p="sm",
                radius="md",
                mb="xs",
                className="plan",
            )
        )
    return items


# -- callbacks' work (app.py wires them) ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str
    items: list[Component] | None = None  # None: leave the list as it is
    saved: bool = False


def _team(unit_param: str | None) -> tuple[Gate, UnitKey, list[Cell]] | None:
    """The gate and team for a callback, or None when the viewer may not act for it."""
    viewer = current_viewer()
    unit = UnitKey.from_param(unit_param or "")
    if viewer is None or unit is None or unit.kind is not UnitKind.TEAM:
        return None
    context = current_context()
    with context.session_factory() as session:
        gate = Gate(session=session, viewer=viewer, rules=context.rules)
        if unit in gate.benchmark_units():
            return None
        try:
            cells = queries.wellbeing_cells(gate, unit)
        except OutOfScope:
            return None
    return gate, unit, cells


def _refreshed(gate: Gate, unit: UnitKey, cells: list[Cell]) -> list[Component]:
    with current_context().session_factory() as session:
        notes = list_actions(session=session, workspace_id=gate.viewer.workspace_id, channel_id=unit.id)
    return plan_items(notes, cells)


def parse_due(raw: str | None) -> date | None:
    """The due date as typed (YYYY-MM-DD), or None when left empty. Raises InvalidInput otherwise."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidInput({"due": "Write the due date as YYYY-MM-DD, like 2026-12-31."}) from None


def save_plan(
    unit_param: str | None,
    plan_id: str | None,
    text: str | None,
    owner: str | None,
    due: str | None,
    status: str | None,
) -> Outcome:
    """Save a new plan, or the edited one; nothing is posted until it has been previewed."""
    found = _team(unit_param)
    if found is None:
        return Outcome(NOT_ALLOWED)
    gate, unit, cells = found
    published = [c for c in cells if c.respondents is not None]
    if not published and not plan_id:
        return Outcome(NO_RESULTS)
    context = current_context()
    try:
        spec = PlanSpec(text or "", owner, parse_due(due), status or PlanStatus.PLANNED.value)
        with context.session_factory.begin() as session:
            if plan_id:
                update_action(
                    session=session,
                    workspace_id=gate.viewer.workspace_id,
                    channel_id=unit.id,
                    plan_id=uuid.UUID(plan_id),
                    spec=spec,
                    now=utcnow(),
                )
            else:
                record_action(
                    session=session,
                    workspace_id=gate.viewer.workspace_id,
                    channel_id=unit.id,
                    week=published[-1].period,
                    body=spec.body,
                    owner=spec.owner,
                    due=spec.due,
                    status=spec.status,
                    written_by=gate.viewer.user_id,
                    now=utcnow(),
                )
    except InvalidInput as invalid:
        return Outcome(" ".join(invalid.errors.values()))
    except (NotFound, ValueError):
        return Outcome("That plan no longer exists.", _refreshed(gate, unit, cells))
    return Outcome(
        "Saved. Use “Preview and post” to tell the team's channel." if not plan_id else "Plan updated.",
        _refreshed(gate, unit, cells),
        saved=True,
    )


def plan_for_editing(unit_param: str | None, plan_id: str) -> Note | None:
    found = _team(unit_param)
    if found is None:
        return None
    gate, unit, _cells = found
    with current_context().session_factory() as session:
        notes = list_actions(session=session, workspace_id=gate.viewer.workspace_id, channel_id=unit.id)
    return next((n for n in notes if str(n.id) == plan_id), None)


def remove_plan(unit_param: str | None, plan_id: str) -> Outcome:
    found = _team(unit_param)
    if found is None:
        return Outcome(NOT_ALLOWED)
    gate, unit, cells = found
    try:
        with current_context().session_factory.begin() as session:
            delete_action(
                session=session,
                workspace_id=gate.viewer.workspace_id,
                channel_id=unit.id,
                plan_id=uuid.UUID(plan_id),
            )
    except (NotFound, ValueError):
        return Outcome("That plan no longer exists.", _refreshed(gate, unit, cells))
    return Outcome("Plan deleted.", _refreshed(gate, unit, cells))


def post_plan(unit_param: str | None, plan_id: str | None) -> Outcome:
    """Post a previewed plan in the team's channel, once: a second click finds it already claimed."""
    found = _team(unit_param)
    if found is None or not plan_id:
        return Outcome(NOT_ALLOWED)
    gate, unit, cells = found
    note = plan_for_editing(unit_param, plan_id)
    if note is None:
        return Outcome("That plan no longer exists.", _refreshed(gate, unit, cells))
    context = current_context()
    with context.session_factory.begin() as session:
        claimed = claim_posting(
            session=session,
            workspace_id=gate.viewer.workspace_id,
            channel_id=unit.id,
            plan_id=uuid.UUID(plan_id),
        )
    if not claimed:
        return Outcome("Already posted.", _refreshed(gate, unit, cells))
    # Posted after the claim is committed: a Slack failure gives the claim back and loses nothing.
    ts, status = _post(gate.viewer.workspace_id, unit.id, note.summary)
    with context.session_factory.begin() as session:
        mark_posted(session=session, plan_id=uuid.UUID(plan_id), ts=ts)
    return Outcome(status, _refreshed(gate, unit, cells))


def _post(workspace_id: str, channel_id: str, body: str) -> tuple[str | None, str]:
    """Post the plan in the channel: the message ts (if posted) and a sentence saying what happened.

    With the workspace's own client: the one bot token, or in OAuth mode the token its installation
    stored (refreshed when due), as the worker posts. None gives the claim back, so it can be retried.
    """
    context = current_context()
    if context.settings.demo or context.slack_clients is None:
        return "demo", "Marked as posted. (The demo does not post to Slack.)"
    try:
        client = context.slack_clients(workspace_id)
        reply = client.chat_postMessage(channel=channel_id, text=action_message(body))
    except WorkspaceNotInstalled:
        return None, "Not posted: Kindred is no longer installed in this workspace."
    except SlackApiError:
        return None, "Not posted: Slack would not take the message. Is Kindred still in the channel?"
    except (SlackClientError, OSError):
        return None, "Not posted: Slack did not answer. Please try again later."
    return str(reply.get("ts") or "") or None, "Posted in the team's channel."
