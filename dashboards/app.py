"""The Dash app on Kindred's own Flask server, under /dashboard/, behind Sign in with Slack."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import dash
import flask
from dash import Dash, Input, Output, State, html
from dash.development.base_component import Component

from dashboards.actions import save_note
from dashboards.auth import configure_sessions, register_auth_routes, signed_in
from dashboards.context import BASE, EXTENSION, DashboardContext, current_context
from dashboards.panels import NOT_YOURS, Page, content, export_href, view_for
from slackapp.database import SessionFactory, utcnow
from slackapp.settings import Settings
from slackapp.slack_client import SlackClients

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
    )
    app.layout = html.Div([dash.page_container])

    @app.callback(
        Output("kindred-content", "children"),
        Input("kindred-unit", "value"),
        State("kindred-page", "data"),
        prevent_initial_call=True,
    )
    def switch_unit(unit: str | None, page: str | None) -> list[Component]:
        """Show another unit; the scope is checked again here, whatever the browser sent."""
        try:
            chosen = Page(str(page))
        except ValueError:
            return [html.P(NOT_YOURS, id="not-yours")]
        _viewer, _gate, view, key = view_for(chosen, unit)
        return content(view, chosen, key)

    @app.callback(
        Output("action-status", "children"),
        Output("action-list", "children"),
        Input("action-save", "n_clicks"),
        State("action-text", "value"),
        State("kindred-unit", "value"),
        prevent_initial_call=True,
    )
    def save_action(_clicks: int, text: str | None, unit: str | None) -> tuple[str, Any]:
        """Record "you said, we did" for the team on screen; the scope is checked again here."""
        status, items = save_note(unit, text)
        return status, items if items is not None else dash.no_update

    return app


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
    viewer, _gate, view, unit = view_for(chosen, flask.request.args.get("unit"))
    if viewer is None or view is None:
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
