"""The REST API (`/api/...`): ask, list and read articles, your conversations; errors are JSON with a one-line message and a 4xx status."""
from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Callable, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from .auth import USER_STATE
from .schemas import (AnswerOut, Article, AskQuery, Collection, Conversation, Conversations, ErrorOut, Rename,
                      answer_out, article_out, collection_out)
from ..conversations import export
from ..conversations.store import LOCAL_USER, ConversationStore
from ..engine import Engine
from ..errors import (ConversationError, IndexUnavailable, QAError, QuestionError, UnknownConversation,
                      UnknownDocument, UsageError)
from ..records import Answer
from ..requests import AskRequest, ask

T = TypeVar("T")
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut, "description": "a bad question, k or parameter"},
                                           503: {"model": ErrorOut, "description": "the index is not available"}}


def router(engine: Engine, limiter: CapacityLimiter) -> APIRouter:
    """The `/api` routes over `engine`; at most `limiter`'s count of engine calls run at once."""
    api = APIRouter(prefix="/api", tags=["articles"], responses=ERRORS)

    async def call(fn: Callable[..., T], *args) -> T:
        # answering is CPU-bound (the model): bounded threads keep the chat UI responsive under a burst of calls
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=limiter)

    @api.get("/ask", response_model=AnswerOut, summary="Answer a question with cited, verbatim excerpts")
    async def ask_get(query: Annotated[AskQuery, Query()]) -> AnswerOut:
        """The k best excerpts for `q`, best first: each is `article.text[start:end]` of article `doc_id`.

        `since`, `until` (YYYY-MM-DD) and `doc` (repeatable) limit the answer to those articles; `previous`
        (repeatable) gives the earlier questions of the conversation."""
        return answer_out(await call(ask_query, engine, query))

    @api.post("/ask", response_model=AnswerOut, summary="The same, with the question in a JSON body")
    async def ask_post(query: AskQuery) -> AnswerOut:
        """As GET /api/ask, for long questions and conversations that do not fit in a URL."""
        return answer_out(await call(ask_query, engine, query))

    @api.get("/articles", response_model=Collection, summary="The articles in the collection")
    async def articles() -> Collection:
        return await call(articles_of, engine)

    @api.get("/articles/{doc_id:path}", response_model=Article, summary="One article's metadata and text",
             responses={404: {"model": ErrorOut, "description": "no article with that id"}})
    async def article(doc_id: str) -> Article:
        """`doc_id` as given in an answer's excerpts or in /api/articles (it may contain '/')."""
        return await call(article_of, engine, doc_id)

    return api


def conversation_router(engine: Engine, store: ConversationStore) -> APIRouter:
    """`/api/conversations`: the logged-in user's conversations (the one local user's without a password),
    as the chat keeps them; another user's are not found. Plain `def` routes: FastAPI runs them in threads."""
    api = APIRouter(prefix="/api/conversations", tags=["conversations"], responses={
        404: {"model": ErrorOut, "description": "no conversation of yours with that id"}})

    def owner(request: Request) -> str:
        return getattr(request.state, USER_STATE, None) or LOCAL_USER

    def whole(request: Request, conversation_id: str):
        found = store.get(owner(request), conversation_id)
        return found, engine.content_hashes(found.cited())

    @api.get("", response_model=Conversations, summary="Your conversations, the most recently used first")
    def conversations(request: Request) -> Conversations:
        return Conversations(conversations=[s.to_json() for s in store.summaries(owner(request))])

    @api.get("/{conversation_id}", response_model=Conversation, summary="One conversation, every answer as given")
    def conversation(request: Request, conversation_id: str) -> Conversation:
        """Each turn's `source_changes` names the cited articles that have changed or gone since it was answered."""
        return Conversation.model_validate(export.to_json(*whole(request, conversation_id)))

    @api.patch("/{conversation_id}", response_model=Conversations, summary="Rename a conversation",
               responses={400: {"model": ErrorOut, "description": "an empty or too long title"}})
    def rename(request: Request, conversation_id: str, body: Rename) -> Conversations:
        """Returns the list with the renamed conversation in it."""
        store.rename(owner(request), conversation_id, body.title)
        return conversations(request)

    @api.delete("/{conversation_id}", status_code=204, summary="Delete a conversation and its answers")
    def delete(request: Request, conversation_id: str) -> Response:
        store.delete(owner(request), conversation_id)
        return Response(status_code=204)

    @api.get("/{conversation_id}/export.md", summary="The conversation as Markdown",
             response_class=Response, responses={200: {"content": {"text/markdown": {}}}})
    def export_markdown(request: Request, conversation_id: str) -> Response:
        """Every question with its answer sentences quoted and cited (title, date, doc_id, character range, a
        link that opens the passage here); text from articles and questions is escaped, so the file is inert."""
        found, current = whole(request, conversation_id)
        text = export.to_markdown(found, current, base_url=str(request.base_url))
        return Response(text, media_type="text/markdown; charset=utf-8", headers=attachment(found.summary, "md"))

    @api.get("/{conversation_id}/export.json", summary="The conversation as a JSON file (as GET returns it)")
    def export_json(request: Request, conversation_id: str) -> JSONResponse:
        found, current = whole(request, conversation_id)
        return JSONResponse(export.to_json(found, current), headers=attachment(found.summary, "json"))

    return api


def attachment(summary, suffix: str) -> dict[str, str]:
    """A download's file name: the conversation's title in plain letters (no quote or path can reach the header)."""
    stem = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in summary.title).split())[:60]
    return {"content-disposition": f'attachment; filename="{stem or "conversation"}.{suffix}"'}


def ask_query(engine: Engine, query: AskQuery) -> Answer:
    """The query's question, k, conversation and filters, asked through the one adaptor (qa/requests.py)."""
    return ask(engine, AskRequest.of(query.q, query.k, query.previous, query.since, query.until, query.doc,
                                     as_typed=query.as_typed))


def articles_of(engine: Engine) -> Collection:
    return collection_out(engine.documents(), engine.groups())


def article_of(engine: Engine, doc_id: str) -> Article:
    return article_out(engine.document(doc_id), engine.also_in(doc_id))


def status_of(exc: QAError) -> int:
    if isinstance(exc, (UnknownDocument, UnknownConversation)):
        return 404
    if isinstance(exc, (QuestionError, UsageError, ConversationError)):
        return 400
    if isinstance(exc, IndexUnavailable):
        return 503
    return 500


def install_error_handlers(app: FastAPI, engine: Engine) -> None:
    """Every failure of the app's own routes as {"error": "<one line>"}: never a traceback or a 422 list."""

    async def qa_error(_: Request, exc: QAError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=status_of(exc))

    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": validation_message(exc.errors(), engine)}, status_code=400)

    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(QAError, qa_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]


def validation_message(errors: list[dict], engine: Engine) -> str:
    """One line for the first thing wrong with a request; k is judged by the engine's one rule for k."""
    if not errors:
        return "the request is not valid"
    err = errors[0]
    loc = [str(part) for part in err.get("loc", ()) if part not in ("query", "body", "path")]
    name = ".".join(loc) or "the request"
    kind = err.get("type", "")
    if kind == "json_invalid":
        return "the request body is not valid JSON"
    if kind == "missing":
        return f"{name} is required"
    if kind == "extra_forbidden":
        return f"unknown parameter '{name}'"
    if name == "k":
        try:
            engine.check_k(err.get("input"))
        except QuestionError as exc:
            return str(exc)
    if name == "q":
        return "the question must be text"
    if loc and loc[0] == "previous":
        return "previous must be a list of earlier questions (texts)" if kind != "too_long" else \
            "previous: too many earlier questions"
    return f"{name}: {err.get('msg', 'not valid')}"
