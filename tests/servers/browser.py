"""Debian's Chromium driven by Playwright, and a tiny HTTP server that records requests.

`playwright install` cannot download anything here, so the browser is the system's
/usr/bin/chromium. Without the background-networking flags Chromium tries to reach
Google's services at start-up, which this machine's closed network refuses.

`Canary` is the address a hostile mail points its remote images, fetches and forms
at: a test proves that nothing ran or loaded by showing it received no request.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHROMIUM = os.environ.get("INBOX_ROUTER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# A 1x1 transparent PNG, so a request that does get through would also "work".
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def chromium_unavailable() -> str | None:
    """None when Playwright can drive Chromium here, else the reason it cannot."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS)
    )


@dataclass
class Canary:
    """An HTTP server on 127.0.0.1 that answers everything and remembers each request."""

    url: str
    requests: list[str] = field(default_factory=list)


@contextmanager
def canary_server() -> Iterator[Canary]:
    canary: Canary

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            canary.requests.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(PIXEL)

        do_GET = do_POST = do_HEAD = do_OPTIONS = _answer

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    canary = Canary(f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, name="canary", daemon=True)
    thread.start()
    try:
        yield canary
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
