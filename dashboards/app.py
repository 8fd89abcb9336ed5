"""The Dash app on Kindred's own Flask server, under /dashboard/, behind Sign in with Slack."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import dash
import dash_mantine_components as dmc
import flask
from dash import ALL, Dash, Input, Output, State, dcc
from dash.exceptions import PreventUpdate

from dashboards.actions import Outcome, plan_for_editing, post_plan, remove_plan, save_plan
from dashboards.auth import configure_sessions, register_auth_routes, signed_in
from dashboards.context import BASE, EXTENSION, DashboardContext, current_context
from dashboards.navigation import Page, href
from dashboards.panels import export_href, view_for
from slackapp.actions.service import PlanStatus
from slackapp.database import SessionFactory, utcnow
from slackapp.privacy.suppression import UnitKey
from slackapp.settings import Settings
from slackapp.slack.slack_client import SlackClients

PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
# Served without a session: signing in itself, and Dash's static JavaScript bundles.
PUBLIC_PREFIXES = (
    f"{BASE}login",
    f"{BASE}auth/callback",
    f"{BASE}logout",
    f"{BASE}_dash-component-suites/",
    f"{BASE}assets/",
    f"{BASE}_favicon.ico",
)


def create_dashboard(
    server: flask.Flask,
    *,
    settings: Settings,
    session_factory: SessionFactory,
    slack_clients: SlackClients | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Dash:
    """Mount the dashboard on `server` and return the Dash app.

    Every request under /dashboard/ (pages, Dash's layout and callback endpoints, exports) needs a
    signed-in session; what it may show is checked again, on the server, by each page and callback.
    """
    context = DashboardContext(
        settings=settings, session_factory=session_factory, slack_clients=slack_clients, clock=clock
    )
    server.extensions[EXTENSION] = context
    configure_sessions(server, context)
    register_auth_routes(server, context)
    server.add_url_rule(f"{BASE}export/<page>.csv", "dashboard_export", export_csv)
    # Whoever opens the bare address (the demo's, or a company's) lands on the dashboard.
    server.add_url_rule("/", "root", lambda: flask.redirect(BASE))
    server.before_request(_require_sign_in)

    kindred_hooks = list(server.before_request_funcs.get(None, []))
    app = Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash's hints predate Flask apps here
        url_base_pathname=BASE,
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        suppress_callback_exceptions=True,  # page layouts need a signed-in request to build
        title="Kindred dashboard",
        update_title=None,  # type: ignore[arg-type]  # None turns the 'Updating…' title off
        serve_locally=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    app.layout = dmc.MantineProvider(
        [dcc.Location(id="kindred-url", refresh="callback-nav"), dash.page_container],
        theme=THEME,
    )
    _register_callbacks(app)
    dash_hooks = [hook for hook in server.before_request_funcs.get(None, []) if hook not in kindred_hooks]
    _set_up_before_serving(dash_hooks)
    return app


def _set_up_before_serving(dash_hooks: list[Callable[[], Any]]) -> None:
    """Run Dash's first-request set-up now, while the app is built, before any thread serves.

    Dash registers its set-up (`_setup_server`, and the pages router) as Flask `before_request` hooks
    that run on every route, Slack's included, and do their work once behind an unlocked flag. A new
    gunicorn worker takes up to 8 first requests at once: one thread set up while another registered the
    router callback raised "dictionary changed size during iteration" (a 500 on a check-in submission,
    seen in benchmarks/checkin_intake), or lost that callback, or served before it existed. Done here,
    once, before gunicorn forks, every later call of these hooks finds its flag set and returns.
    """
    for hook in dash_hooks:
        hook()


THEME = {
    "fontFamily": "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "headings": {"fontFamily": "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
    "primaryColor": "indigo",
    "primaryShade": 8,  # indigo 8 on white passes WCAG AA contrast for links and active navigation
    "defaultRadius": "md",
}


def _register_callbacks(app: Dash) -> None:
    @app.callback(
        Output("kindred-url", "href"),
        Input("kindred-unit", "value"),
        State("kindred-page", "data"),
        State("kindred-shown-unit", "data"),
        prevent_initial_call=True,
    )
    def choose_unit(unit: str | None, page: str | None, shown: str | None = None) -> str:
        """Put the chosen unit in the URL: the page is drawn again from it, and Back returns to it.

        No data comes back from here; the page checks the unit against the viewer's scope.
        """
        if unit == shown:
            raise PreventUpdate  # the picker announcing the unit already on screen
        try:
            chosen = Page(str(page))
        except ValueError:
            raise PreventUpdate from None
        parsed = UnitKey.from_param(unit or "")
        return href(chosen, parsed)

    app.clientside_callback(  # type: ignore[no-untyped-call]
        "(clicks, navbar) => ({...navbar, collapsed: {mobile: clicks % 2 === 0}})",
        Output("kindred-shell", "navbar"),
        Input("kindred-menu", "n_clicks"),
        State("kindred-shell", "navbar"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("action-status", "children"),
        Output("action-list", "children"),
        Output("action-text", "value"),
        Output("plan-owner", "value"),
        Output("plan-due", "value"),
        Output("plan-status", "value"),
        Output("plan-id", "data"),
        Input("action-save", "n_clicks"),
        State("plan-unit", "data"),
        State("plan-id", "data"),
        State("action-text", "value"),
        State("plan-owner", "value"),
        State("plan-due", "value"),
        State("plan-status", "value"),
        prevent_initial_call=True,
    )
    def save(
        _clicks: int,
        unit: str | None,
        plan_id: str | None,
        text: str | None,
        owner: str | None,
        due: str | None,
        status: str | None,
    ) -> tuple[Any, ...]:
        """Save a plan for the team on screen (the scope is checked again here); the form empties."""
        outcome = save_plan(unit, plan_id, text, owner, due, status)
        if not outcome.saved:
            keep = dash.no_update
            return (outcome.status, _list_or_keep(outcome), keep, keep, keep, keep, keep)
        return (outcome.status, _list_or_keep(outcome), "", "", "", PlanStatus.PLANNED.value, None)

    @app.callback(
        Output("action-text", "value", allow_duplicate=True),
        Output("plan-owner", "value", allow_duplicate=True),
        Output("plan-due", "value", allow_duplicate=True),
        Output("plan-status", "value", allow_duplicate=True),
        Output("plan-id", "data", allow_duplicate=True),
        Output("action-status", "children", allow_duplicate=True),
        Input({"type": "plan-edit", "index": ALL}, "n_clicks"),
        Input("plan-clear", "n_clicks"),
        State("plan-unit", "data"),
        prevent_initial_call=True,
    )
    def edit(_edits: list[int], _clear: int, unit: str | None) -> tuple[Any, ...]:
        """Load a plan into the form to change it (or empty the form)."""
        trigger = _clicked()
        if trigger == "plan-clear":
            return "", "", "", PlanStatus.PLANNED.value, None, ""
        if not isinstance(trigger, dict):
            raise PreventUpdate
        note = plan_for_editing(unit, str(trigger["index"]))
        if note is None:
            return (dash.no_update,) * 5 + ("That plan no longer exists.",)
        due = note.due.isoformat() if note.due else ""
        return note.body, note.owner or "", due, note.status.value, str(note.id), "Editing the plan below."

    @app.callback(
        Output("action-status", "children", allow_duplicate=True),
        Output("action-list", "children", allow_duplicate=True),
        Input({"type": "plan-delete", "index": ALL}, "n_clicks"),
        State("plan-unit", "data"),
        prevent_initial_call=True,
    )
    def delete(_clicks: list[int], unit: str | None) -> tuple[Any, ...]:
        trigger = _clicked()
        if not isinstance(trigger, dict):
            raise PreventUpdate
        outcome = remove_plan(unit, str(trigger["index"]))
        return outcome.status, _list_or_keep(outcome)

    @app.callback(
        Output("plan-preview", "opened"),
        Output("plan-preview-text", "children"),
        Output("plan-post-id", "data"),
        Output("plan-post", "disabled"),
        Input({"type": "plan-preview", "index": ALL}, "n_clicks"),
        Input("plan-cancel", "n_clicks"),
        State("plan-unit", "data"),
        prevent_initial_call=True,
    )
    def preview(_clicks: list[int], _cancel: int, unit: str | None) -> tuple[Any, ...]:
        """Show exactly what the channel will read before anything is posted."""
        trigger = _clicked()
        if trigger == "plan-cancel":
            return False, dash.no_update, None, False
        if not isinstance(trigger, dict):
            raise PreventUpdate
        note = plan_for_editing(unit, str(trigger["index"]))
        if note is None:
            return False, dash.no_update, None, False
        return True, f"You said, we did. After your last check-in: {note.summary}", str(note.id), False

    @app.callback(
        Output("action-status", "children", allow_duplicate=True),
        Output("action-list", "children", allow_duplicate=True),
        Output("plan-preview", "opened", allow_duplicate=True),
        Output("plan-post", "disabled", allow_duplicate=True),
        Input("plan-post", "n_clicks"),
        State("plan-unit", "data"),
        State("plan-post-id", "data"),
        prevent_initial_call=True,
    )
    def post(clicks: int, unit: str | None, plan_id: str | None) -> tuple[Any, ...]:
        """Post the previewed plan; the button is disabled at once and the server posts it only once."""
        if not clicks:
            raise PreventUpdate
        outcome = post_plan(unit, plan_id)
        return outcome.status, _list_or_keep(outcome), False, True


def _clicked() -> Any:
    """The component whose click fired this callback, ignoring buttons merely (re)drawn with 0 clicks."""
    triggered = [t for t in dash.callback_context.triggered if t.get("value")]
    if not triggered:
        raise PreventUpdate
    return dash.callback_context.triggered_id


def _list_or_keep(outcome: Outcome) -> Any:
    return outcome.items if outcome.items is not None else dash.no_update


def _require_sign_in() -> Any:
    path = flask.request.path
    if not path.startswith(BASE) or path.startswith(PUBLIC_PREFIXES):
        return None
    if current_context().settings.demo and path.startswith(f"{BASE}demo-sign-in"):
        return None
    if signed_in() is not None:
        return None
    if flask.request.method == "GET" and not path.startswith(f"{BASE}_dash") and ".csv" not in path:
        return flask.redirect(f"{BASE}login")
    return flask.jsonify({"error": "sign in first"}), 401


def export_csv(page: str) -> Any:
    """CSV of exactly the table the page shows for this unit, for this viewer."""
    try:
        chosen = Page(page)
    except ValueError:
        flask.abort(404)
    resolved = view_for(chosen, flask.request.args.get("unit"), export=True)
    view, unit = resolved.view, resolved.start.unit
    if resolved.viewer is None or view is None:
        return flask.jsonify({"error": "nothing for you here"}), 403
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(view.table.columns)
    writer.writerows(view.table.rows)
    name = f"kindred-{chosen.value}-{unit.to_param().replace(':', '-') if unit else 'my-teams'}.csv"
    response = flask.Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


__all__ = ["create_dashboard", "export_href"]
