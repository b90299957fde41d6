"""A local web server for inbox tests: pages, feeds and webhook receivers on 127.0.0.1 (never further)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: bytes


class LocalServer:
    """Serve what a test puts in ``routes`` (path -> Route, or a callable taking the request) and record requests."""

    def __init__(self):
        self.routes: dict = {}
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                server.requests.append(seen)
                route = server.routes.get(self.path.split("?")[0])
                if callable(route):
                    route = route(seen)
                if route is None:
                    route = Route(404, b"not here", {"Content-Type": "text/plain"})
                if route.delay:
                    threading.Event().wait(route.delay)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(route.body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def html(self, path: str, body: str, *, charset: str | None = "utf-8", encoding: str = "utf-8", **headers):
        content_type = "text/html" + (f"; charset={charset}" if charset else "")
        self.routes[path] = Route(200, body.encode(encoding), {"Content-Type": content_type, **headers})

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    local = LocalServer()
    with override_settings(FACTDESK_FETCH_ALLOWED_HOSTS=["127.0.0.1"]):
        yield local
    local.close()


def article_html(title: str, paragraphs: list[str], **meta) -> str:
    """Return a news page as publishers write them: metadata in <head>, the story in <article>."""
    head = "".join(f'<meta property="{name}" content="{value}">' for name, value in meta.items())
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><title>{title} | Example News</title>{head}</head>'
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>© Example News</footer></body></html>"
    )
