"""A local HTTP server on 127.0.0.1 for the download tests: issuers' files served from disk."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers with one body."""

    def send_body(self, body: bytes, kind: str | None = None) -> None:
        self.send_response(200)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(handler: type[QuietHandler]) -> Iterator[http.server.ThreadingHTTPServer]:
    """Run ``handler`` on a free port of 127.0.0.1 (``seen`` records requests, ``mode`` is "files")."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.seen, server.mode = [], "files"  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
