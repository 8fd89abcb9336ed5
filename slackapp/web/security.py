"""Browser-facing protections for the web process: security headers and a same-origin check on writes.

Slack's own requests (`/slack/...`) are protected by their signatures and are not browsers, so the
origin check leaves them alone. Dash needs inline scripts, hence 'unsafe-inline'; framing is refused.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Request, Response, abort, request

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_SECURITY_HEADERS_BY_KEY = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_cross_site_write(incoming: Request) -> bool:
    """A browser write whose Origin (or Referer) names another site: a cross-site request forgery."""
    if incoming.method not in WRITE_METHODS or incoming.path.startswith("/slack/"):
        return False
    source = incoming.headers.get("Origin") or incoming.headers.get("Referer")
    if not source:
        return False  # not a browser (browsers always send Origin on cross-site POSTs)
    return urlsplit(source).netloc != incoming.host


def protect(web: Flask) -> None:
    @web.before_request
    def refuse_cross_site_writes() -> None:
        if is_cross_site_write(request):
            abort(403)

    @web.after_request
    def add_security_headers(response: Response) -> Response:
        """Each header unless the view set its own. One look at the response's headers, not one lookup per
        header: Werkzeug's lookup of a missing header raises and catches an exception, on every response."""
        present = {name.lower() for name, _ in response.headers.items()}
        for key, name, value in _SECURITY_HEADERS_BY_KEY:
            if key not in present:
                response.headers.add(name, value)
        return response
