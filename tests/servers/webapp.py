"""The real review UI served over HTTP for browser tests: werkzeug's server in a thread.

`live_server(app)` binds 127.0.0.1 on a free port (the port is taken by the bind,
so no other process can race for it), serves requests in threads, and stops the
server (and waits for its thread) when the block ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import make_server


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    app: Flask

    def __call__(self, path: str) -> str:
        return self.url + path


@contextmanager
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
