"""The MCP server (Streamable HTTP at /mcp): tools that let an AI assistant quote the collection verbatim and cite it."""
from __future__ import annotations

from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any, AsyncIterator, Callable, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import WithJsonSchema
from starlette.routing import BaseRoute

from .schemas import AnswerOut, Article, Collection, answer_out
from .rest import article_of, articles_of
from ..config import MAX_K_JSON
from ..engine import Engine
from ..errors import QAError
from ..records import Answer
from ..requests import AskRequest, ask

T = TypeVar("T")
MCP_PATH = "/mcp"

INSTRUCTIONS = (
    "This server answers questions about a collection of news articles with excerpts copied verbatim from them. "
    "Use ask_articles to find what the articles say. When you use an excerpt, quote its `text` exactly, word for "
    "word (shorten only with an ellipsis, never paraphrase inside quotation marks), and cite it as "
    "[doc_id, start-end] from the same excerpt: text == article_text[start:end], so a reader can check it with "
    "read_article. If `answered` is false, say the articles do not clearly answer the question rather than guess."
)
ASK = (
    "Search the article collection and return the k passages that best answer `question`, best first. Each "
    "excerpt's `text` is copied verbatim from article `doc_id` at character offsets [start, end); `highlight` "
    "marks the sentences that answer best, and `answer` lists the 1-3 sentences that answer most directly (each "
    "with its doc_id, start and end): quote those first. For a follow-up question, pass the user's earlier "
    "questions as `previous`; `searched_for` shows how the question was understood. Quote `text` (or a highlighted part of it) exactly, never reworded, "
    "and cite every quote as [doc_id, start-end]. `answered` false means no excerpt is a confident match: tell "
    "the user the articles may not say, and do not present the excerpts as the answer. `since`/`until` "
    "(YYYY-MM-DD) and `doc` (doc ids) search only those articles. `also_in` lists other articles that carry "
    "the same story."
)
READ = (
    "Return one article's metadata and full text. Citations' start/end are character offsets into `text`: "
    "text[start:end] is the quoted excerpt. Use it to read around an excerpt or to check a quote; quote it "
    "verbatim and cite [doc_id, start-end] with the offsets of the quoted span."
)
LIST = ("List every article in the collection: doc_id, title, byline, date and number of passages. Pass a doc_id "
        "to read_article to read it; use ask_articles to find passages on a subject.")


# The arguments reach the engine as sent: its checks (Engine.check_k, the question's) are the one rule and give a
# one-line message, where the SDK's own validation would answer a pydantic report (and read k=true as 1).
QUESTION = Annotated[Any, WithJsonSchema({"type": "string", "description": "the question, in plain words"})]
K_ARG = Annotated[Any, WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None,
                                       "description": f"how many excerpts, 1 to {MAX_K_JSON} (default 5)"})]
PREVIOUS = Annotated[Any, WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}],
                                          "default": None,
                                          "description": "the user's earlier questions in this conversation, oldest "
                                                         "first, so that a follow-up (\"Who said that?\") is "
                                                         "understood with them"})]
DOC_ID = Annotated[Any, WithJsonSchema({"type": "string",
                                        "description": "the article's id, as in an excerpt or in list_articles"})]
DATE = Annotated[Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}], "default": None,
                                      "description": "YYYY-MM-DD: only articles dated on or after (since) or on or "
                                                     "before (until) this day; undated articles are left out"})]
DOCS = Annotated[Any, WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}],
                                      "default": None, "description": "only these articles (doc ids)"})]


def mcp_server(engine: Engine, limiter: CapacityLimiter) -> MCPServer:
    """The three tools over `engine`; engine calls share `limiter` with the REST API."""
    server = MCPServer("qa", title="qa: quotes from your articles", instructions=INSTRUCTIONS, log_level="WARNING")

    async def call(fn: Callable[..., T], *args) -> T:
        try:
            return await anyio.to_thread.run_sync(partial(fn, *args), limiter=limiter)
        except QAError as exc:  # the one-line message reaches the assistant as the tool's error
            raise ToolError(str(exc)) from None

    def ask_tool(question, k, since, until, doc, previous) -> Answer:
        return ask(engine, AskRequest.of(question, k, previous, since, until, doc))

    @server.tool(description=ASK)
    async def ask_articles(question: QUESTION, k: K_ARG = None, since: DATE = None, until: DATE = None,
                           doc: DOCS = None, previous: PREVIOUS = None) -> AnswerOut:
        return answer_out(await call(ask_tool, question, k, since, until, doc, previous))

    @server.tool(description=READ)
    async def read_article(doc_id: DOC_ID) -> Article:
        return await call(article_of, engine, str(doc_id))

    @server.tool(description=LIST)
    async def list_articles() -> Collection:
        return await call(articles_of, engine)

    return server


def mcp_routes(server: MCPServer) -> list[BaseRoute]:
    """The Streamable HTTP endpoint as routes for the app's own router (one server, no sub-app at /mcp/)."""
    # stateless: every call stands alone, so no per-client sessions pile up; JSON replies rather than SSE streams.
    # The SDK's own DNS-rebinding check is off: it turns on only for 127.0.0.1, localhost and ::1 and knows none of
    # --allowed-host, so qa.serve.host_guard checks Host and Origin for every route, /mcp included, by one rule.
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
                                     transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    return list(app.routes)


@asynccontextmanager
async def running(server: MCPServer) -> AsyncIterator[None]:
    """The session manager's task group, for the app's lifespan (a mounted sub-app's own lifespan never runs)."""
    async with server.session_manager.run():
        yield
