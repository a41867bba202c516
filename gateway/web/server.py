"""The production WSGI server: the web app on Waitress, in a thread, with a clean stop.

Owns how the app is served: thread and connection counts sized for live pages (every open
room page holds one thread for its event stream), and stopping in Waitress's own loop thread:
closing its sockets from another thread races the loop's poll() (EBADF).
"""

from __future__ import annotations

import threading

from flask import Flask
from waitress import wasyncore
from waitress.server import create_server

from gateway.settings import Settings
from gateway.web.live import HUB_EXTENSION

STOP_TIMEOUT_SECONDS = 10
POLL_SECONDS = 0.2


class WebServer:
    """Waitress serving `app` on host:port (port 0: any free port) until `stop()`."""

    def __init__(self, app: Flask, settings: Settings, *, host: str, port: int) -> None:
        self._app = app
        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=settings.web_threads,
            # Open live pages plus page views, plus idle keep-alive connections.
            connection_limit=settings.web_threads + 100,
            # poll() rather than select(): select() cannot watch descriptors above 1024.
            asyncore_use_poll=True,
            # Keep reading a connection while its request runs, so an event stream learns
            # (environ["waitress.client_disconnected"]) that its page went, within a second.
            channel_request_lookahead=1,
            ident="gateway",
        )
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web", daemon=True)

    @property
    def port(self) -> int:
        port: int = self._server.effective_port  # type: ignore[union-attr]
        return port

    def start(self) -> WebServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """End live streams, then let the loop thread close everything and wait for it."""
        hub = self._app.extensions.get(HUB_EXTENSION)
        if hub is not None:
            hub.end_streams()
        self._stopping.set()
        self._thread.join(timeout=STOP_TIMEOUT_SECONDS)

    def _run(self) -> None:
        """Waitress's loop, a poll at a time, so the stop flag is seen within one interval;
        workers stop before their connections close, so none closes a descriptor twice."""
        server = self._server
        socket_map = server._map  # type: ignore[union-attr]
        while socket_map and not self._stopping.is_set():
            wasyncore.loop(timeout=POLL_SECONDS, map=socket_map, use_poll=True, count=1)
        server.task_dispatcher.shutdown(timeout=STOP_TIMEOUT_SECONDS)  # type: ignore[union-attr]
        wasyncore.close_all(socket_map)
