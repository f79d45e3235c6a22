"""The password gate in front of every route: HTTP Basic, a Bearer password, or the Gradio login cookie; else 401."""
from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Callable

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

# The login page, as a browser loads it before anyone has logged in (seen in Chromium): the page shell, which
# Gradio serves without the app's config until login, its bundled scripts and styles, and the form's POST /login.
LOGIN_PATHS = frozenset({"/", "/login", "/login/", "/theme.css"})
LOGIN_PREFIXES = ("/assets/", "/static/")  # files from the gradio package's own front end: no user data
USER_STATE = "qa_user"  # the request state's key for the logged-in user's name (absent without a password)
# Routes a program (curl, an MCP client) calls: their 401 names the Basic scheme so clients know to send it.
PROGRAM_PREFIXES = ("/api/", "/mcp", "/docs", "/openapi.json", "/static-offline-docs/")


def is_login_route(path: str) -> bool:
    return path in LOGIN_PATHS or path.startswith(LOGIN_PREFIXES)


class PasswordGate:
    """ASGI middleware: with a password set, only the login page answers without credentials; the rest 401."""

    def __init__(self, app: ASGIApp, user: str, password: str,
                 gradio_user: Callable[[HTTPConnection], str | None] = lambda conn: None):
        self.app = app
        self.user = user.encode()
        self.password = password.encode()
        self.gradio_user = gradio_user  # the user of a Gradio login cookie, so the UI keeps working after login

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or is_login_route(scope["path"]):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        user = self.user_of(conn)
        if user is not None:
            scope.setdefault("state", {})[USER_STATE] = user  # whose conversations the routes below serve
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await self._refuse(scope["path"], send)

    def user_of(self, conn: HTTPConnection) -> str | None:
        """The logged-in user's name when the request carries the password (there is one user), else None."""
        scheme, _, value = conn.headers.get("authorization", "").partition(" ")
        scheme = scheme.lower()
        name = self.user.decode()
        if scheme == "basic":
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).partition(b":")
            except (binascii.Error, ValueError):
                return None
            # both compared, always: how long a refusal takes must not tell which half was wrong
            ok = hmac.compare_digest(user, self.user) & hmac.compare_digest(password, self.password)
            return name if ok else None
        if scheme == "bearer":  # what MCP clients' config files most easily send: the password as a token
            return name if hmac.compare_digest(value.strip().encode(), self.password) else None
        return self.gradio_user(conn)

    async def _refuse(self, path: str, send: Send) -> None:
        body = json.dumps({"error": "this app needs a password: log in, or send HTTP Basic credentials "
                                    "(or 'Authorization: Bearer <password>')"}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if path.startswith(PROGRAM_PREFIXES):  # not on the UI's own calls: a browser would pop up a login box
            headers.append((b"www-authenticate", b'Basic realm="qa", charset="UTF-8"'))
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def gradio_cookie_user(gradio_app) -> Callable[[HTTPConnection], str | None]:
    """Who a Gradio login cookie belongs to: Gradio keeps its tokens on its app (`tokens`, `cookie_id`)."""

    def user(conn: HTTPConnection) -> str | None:
        cookie_id = getattr(gradio_app, "cookie_id", None)
        tokens = getattr(gradio_app, "tokens", None) or {}
        if cookie_id is None:
            return None
        token = conn.cookies.get(f"access-token-{cookie_id}") or conn.cookies.get(f"access-token-unsecure-{cookie_id}")
        return tokens.get(token) if token else None

    return user
