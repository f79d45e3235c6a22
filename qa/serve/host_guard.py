"""The Host and Origin check in front of every route (REST, Gradio, MCP): no DNS rebinding, no cross-site writes.

A web page on evil.example can make the browser talk to 127.0.0.1 by re-pointing its own name there (DNS
rebinding): the request then carries `Host: evil.example`, so answering only to the names the app is served
under stops it (421 Misdirected Request). A page can also post straight to 127.0.0.1 from its own origin: a
state-changing request (any method but GET, HEAD, OPTIONS; every WebSocket) whose `Origin` is foreign gets 403.
And no response tells a foreign origin that it may read it: an `access-control-allow-origin` naming one is
dropped. A password (QA_PASSWORD) is a second wall, not a replacement: a loopback instance usually has none.
"""
from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
CORS_HEADERS = (b"access-control-allow-origin", b"access-control-allow-credentials")


def host_name(value: str) -> str:
    """The host part of a Host header or a URL's netloc, lower-case, without port or IPv6 brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:  # name:port (a bare IPv6 address has several colons and no port)
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def machine_names() -> set[str]:
    """This machine's own names, for an app bound to every address (0.0.0.0 or ::)."""
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    return {n for n in names if n}


class ServedNames:
    """The names the app is served under: loopback, the bound address, and any the user adds (--allowed-host)."""

    def __init__(self, bind_host: str, extra: Iterable[str] = ()):
        self.bound = host_name(bind_host)
        self.wildcard = self.bound in WILDCARDS
        self.extra = {host_name(e) for e in extra if e.strip()}
        self.names = {"localhost", self.bound} | self.extra | (machine_names() if self.wildcard else set())

    def __contains__(self, host: str) -> bool:
        host = host_name(host)
        if not host:
            return False
        if host in self.names or host.endswith(".localhost"):  # *.localhost is loopback by definition (RFC 6761)
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False  # a name the app was not told about: the DNS-rebinding case
        # an address typed as an address cannot be a rebound name: loopback always, any when bound to all
        mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
        return ip.is_loopback or self.wildcard or (mapped is not None and mapped.is_loopback)

    def origin_allowed(self, origin: str) -> bool:
        parts = urlsplit(origin.strip())
        return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc in self


class HostGuard:
    """ASGI middleware: 421 for a foreign Host, 403 for a state-changing request from a foreign Origin."""

    def __init__(self, app: ASGIApp, served: ServedNames):
        self.app = app
        self.served = served

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        host, origin = headers.get(b"host"), headers.get(b"origin")
        if host is None or host not in self.served:
            await self._refuse(scope, send, 421, f"this server does not answer to the host name {host or '(none)'!r}; "
                                                 "start it with --allowed-host NAME to serve it under that name")
            return
        foreign = origin is not None and not self.served.origin_allowed(origin)
        if foreign and (scope["type"] == "websocket" or scope.get("method", "GET") not in SAFE_METHODS):
            await self._refuse(scope, send, 403, f"requests from the web page at {origin!r} are not accepted")
            return
        if not foreign:
            await self.app(scope, receive, send)
            return

        async def no_cors(message: Message) -> None:  # a foreign page may load, but never read, a response
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", ())
                                                  if k.lower() not in CORS_HEADERS]}
            await send(message)

        await self.app(scope, receive, no_cors)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, status: int, error: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps({"error": error}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
