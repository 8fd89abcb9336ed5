"""A local stand-in for Slack's Socket Mode: `apps.connections.open` on the Web API stand-in hands out a
`ws://` URL of a small WebSocket server (standard library only) that sends envelopes and records acks.

slack_sdk's built-in Socket Mode client connects without TLS to any port but 443 (its own tests do the
same), so the real `kindred socket` can be driven end to end:

    with SocketModeStandIn(slack) as socket_mode:
        ...start `kindred socket` with SLACK_API_URL=slack.url...
        socket_mode.wait_until_connected()
        envelope_id = socket_mode.send_event({"type": "app_home_opened", ...})
        socket_mode.wait_for_ack(envelope_id)
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import uuid
from types import TracebackType
from typing import Any

from tests.slack_standin import APP_ID, TEAM_ID, SlackStandIn

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class SocketModeStandIn:
    def __init__(self, slack: SlackStandIn) -> None:
        self.slack = slack
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._connection: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._changed = threading.Condition()
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="socket-mode-standin", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket={uuid.uuid4()}"

    def __enter__(self) -> SocketModeStandIn:
        self.slack.socket_mode_url = self.url
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self.slack.socket_mode_url = None
        if self._connection is not None:
            self._connection.close()
        self._thread.join(timeout=5)
        self._listener.close()

    # -- what a test does --

    def wait_until_connected(self, timeout: float = 60) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.connections > 0, timeout):
                raise TimeoutError("the Socket Mode client never connected")

    def send_event(self, event: dict[str, Any], team_id: str = TEAM_ID) -> str:
        """An Events API envelope, as Slack sends it over the socket; returns its envelope id."""
        envelope_id = str(uuid.uuid4())
        payload = {
            "team_id": team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": 1,
            "authorizations": [{"team_id": team_id, "user_id": "U0KINDREDBOT", "is_bot": True}],
        }
        self._send_text(
            {
                "envelope_id": envelope_id,
                "payload": payload,
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 15) -> dict[str, Any]:
        def acked() -> dict[str, Any] | None:
            return next((a for a in self.acks if a.get("envelope_id") == envelope_id), None)

        with self._changed:
            if not self._changed.wait_for(lambda: acked() is not None, timeout):
                raise TimeoutError(f"envelope {envelope_id} was never acknowledged")
            found = acked()
            assert found is not None
            return found

    # -- the server --

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            try:
                self._handshake(connection)
            except (OSError, ValueError):
                connection.close()
                continue
            self._connection = connection
            with self._changed:
                self.connections += 1
                self._changed.notify_all()
            self._send_text({"type": "hello", "num_connections": 1, "debug_info": {"host": "standin"}})
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _handshake(self, connection: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(4096)
            if not chunk:
                raise ValueError("closed during the handshake")
            request += chunk
        headers = dict(
            line.split(": ", 1) for line in request.decode("latin-1").split("\r\n")[1:] if ": " in line
        )
        key = next(v for k, v in headers.items() if k.lower() == "sec-websocket-key")
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        connection.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )

    def _read(self, connection: socket.socket) -> None:
        try:
            while True:
                opcode, data = _read_frame(connection)
                if opcode == TEXT:
                    with self._changed:
                        self.acks.append(json.loads(data))
                        self._changed.notify_all()
                elif opcode == PING:
                    self._send(PONG, data)
                elif opcode == CLOSE:
                    return
        except (OSError, ValueError):
            return

    def _send_text(self, message: dict[str, Any]) -> None:
        self._send(TEXT, json.dumps(message).encode())

    def _send(self, opcode: int, data: bytes) -> None:
        connection = self._connection
        if connection is None:
            raise RuntimeError("no Socket Mode client is connected")
        length = len(data)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self._send_lock:
            connection.sendall(header + data)


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ValueError("connection closed")
        data += chunk
    return data


def _read_frame(connection: socket.socket) -> tuple[int, bytes]:
    """One frame from the client (clients always mask theirs)."""
    first, second = _read_exactly(connection, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exactly(connection, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exactly(connection, 8))
    mask = _read_exactly(connection, 4) if second & 0x80 else b"\0\0\0\0"
    payload = _read_exactly(connection, length)
    return first & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
