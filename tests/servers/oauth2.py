"""A tiny OAuth2 token introspection endpoint (RFC 7662) for Dovecot's oauth2 passdb.

Dovecot POSTs `token=...` to the URL; the server answers `{"active": true,
"username": ...}` for the one token it knows and `{"active": false}` for any other,
and records what it was asked, so a test can see the token went the whole way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs


@dataclass
class Introspection:
    url: str
    token: str
    username: str
    asked: list[str] = field(default_factory=list)  # the tokens Dovecot sent

    def dovecot_conf(self, directory: Path) -> Path:
        """The file for `passdb { driver = oauth2 args = ... }`."""
        conf = directory / "oauth2.conf"
        conf.write_text(
            "introspection_mode = post\n"
            f"introspection_url = {self.url}\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n"
        )
        conf.chmod(0o644)
        return conf


@contextmanager
def introspection_server(token: str, username: str) -> Iterator[Introspection]:
    state = Introspection("", token, username)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            sent = (form.get("token") or [""])[0]
            state.asked.append(sent)
            answer = {"active": True, "username": username} if sent == token else {"active": False}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet tests
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/introspect"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
