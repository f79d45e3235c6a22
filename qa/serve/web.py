"""One server for every front end: the chat UI (Gradio), the REST API with its docs, and the MCP endpoint."""
from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

import gradio as gr
import uvicorn
from anyio import CapacityLimiter
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.routing import Mount

from .. import __version__
from ..conversations.store import ConversationStore
from ..engine import Engine
from .mcp import MCP_PATH, mcp_routes, mcp_server, running
from .rest import conversation_router, install_error_handlers, router
from .host_guard import HostGuard, ServedNames
from .auth import PasswordGate, gradio_cookie_user

DESCRIPTION = (
    "Answers questions about a collection of news articles with **verbatim** excerpts, each cited by the "
    "article's `doc_id` and the `start`/`end` character offsets of the excerpt in the article text "
    "(`text == article.text[start:end]`). With `QA_PASSWORD` set, send HTTP Basic credentials."
)


@dataclass(frozen=True)
class Site:
    """Where the app listens, and the credentials it asks for (None: open, on loopback or a trusted network)."""

    host: str
    port: int
    auth: tuple[str, str] | None = None
    allowed_hosts: tuple[str, ...] = ()  # names it is also served under (a reverse proxy's), besides loopback

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{'127.0.0.1' if self.host in ('0.0.0.0', '::') else host}:{self.port}"


def build_app(engine: Engine, demo: gr.Blocks, site: Site, concurrency: int,
              conversations: ConversationStore | None = None, **gradio) -> FastAPI:
    """The FastAPI app: /api routes, /docs, /mcp, and the Gradio UI mounted at / with the same password.

    `conversations`: the store the chat keeps them in (by default the one beside the index); `gradio` are further
    mount_gradio_app options (theme, css, max_file_size, ...).
    """
    limiter = CapacityLimiter(concurrency)  # engine calls from REST and MCP at once; the UI has its own queue
    mcp = mcp_server(engine, limiter)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with running(mcp):
            yield

    # FastAPIOffline serves Swagger UI from files in the package: the stock /docs page loads it from a CDN
    app = FastAPIOffline(title="qa", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                         redoc_url=None, swagger_ui_parameters={"validatorUrl": None})  # no call to a validator
    install_error_handlers(app, engine)
    app.include_router(router(engine, limiter))
    app.include_router(conversation_router(engine, conversations or ConversationStore.beside(engine.index_dir)))
    app.router.routes.extend(mcp_routes(mcp))
    # Gradio's own FastAPI app gets no docs pages: its stock ones would load scripts from a CDN
    gr.mount_gradio_app(app, demo, "/", server_name=site.host, server_port=site.port, auth=site.auth,
                        show_error=False, app_kwargs={"docs_url": None, "redoc_url": None, "openapi_url": None},
                        **gradio)
    if site.auth is not None:
        ui = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "")
        app.add_middleware(PasswordGate, user=site.auth[0], password=site.auth[1], gradio_user=gradio_cookie_user(ui))
    # added last, so it runs first: a rebound name or a foreign page is turned away before anything else sees it
    app.add_middleware(HostGuard, served=ServedNames(site.host, site.allowed_hosts))
    return app


def serve(app: FastAPI, site: Site, out=sys.stdout) -> None:
    """Run `app` on the site's address until interrupted, after saying where each front end is."""
    lines = [f"Chat UI:   {site.url}/",
             f"REST API:  {site.url}/api/ask?q=...   (docs: {site.url}/docs)",
             f"MCP:       {site.url}{MCP_PATH}   (Streamable HTTP; client configs in docs/api.md)"]
    if site.auth:
        lines.append(f"Password:  every route asks for it (user '{site.auth[0]}'; HTTP Basic for programs)")
    print("\n".join(lines), file=out, flush=True)
    # open event streams (a browser tab's heartbeat) must not hold up stopping the app
    uvicorn.run(app, host=site.host, port=site.port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=5)
