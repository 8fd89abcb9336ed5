"""gunicorn's access log without query strings: `/slack/oauth_redirect?code=…&state=…` is written as its path.

An OAuth code, a state or a dashboard's query can be a secret or a person's choice; the path alone says
what was asked for. The path is written as it came on the wire (percent-encoded), so nothing in it can
break the line.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

# Address, time, method and path, status, bytes, milliseconds: no query, referrer or user agent.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def path_only(raw_uri: str) -> str:
    """The request's path as sent, without `?query` or `#fragment`, control characters escaped."""
    path = raw_uri.split("?", 1)[0].split("#", 1)[0]
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in path)


class PathOnlyAccessLog(Logger):  # type: ignore[misc]
    """gunicorn's logger, with the request line and path atoms cut down to the path."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        path = path_only(str(environ.get("RAW_URI") or environ.get("PATH_INFO") or ""))
        atoms.update(
            U=path,
            q="-",
            r=f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}",
            f="-",
        )
        # Request and response headers are atoms too (`%({name}i)s`); none of them is ever logged.
        return {name: value for name, value in atoms.items() if not name.startswith("{")}
