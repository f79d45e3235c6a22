"""One question as a front end receives it (REST, MCP, the UI, the CLI), and the one way it reaches Engine.ask."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import MAX_K_JSON
from .engine import Engine
from .records import Answer, Filters


@dataclass(frozen=True)
class AskRequest:
    """A question with its conversation, depth and filters. Fields are as sent: `Engine.ask` checks them, so
    every front end refuses the same things with the same one-line message."""

    question: Any
    k: Any = None  # None: the default depth
    previous: Any = None  # the earlier questions of the conversation, oldest first
    filters: Filters | None = None  # already checked: see `of`
    k_limit: int = MAX_K_JSON  # programs may ask for deep lists; front ends showing a person excerpts pass config.MAX_K
    as_typed: bool = False  # search misspelled words as typed (the chat's "ask as typed")

    @classmethod
    def of(cls, question: Any, k: Any = None, previous: Any = None, since: str | None = None,
           until: str | None = None, doc: Any = (), k_limit: int = MAX_K_JSON, as_typed: bool = False) -> AskRequest:
        """A request from a front end's fields; the filters are checked here, first (QuestionError naming the field)."""
        return cls(question, k, previous, Engine.filters(since, until, doc), k_limit, bool(as_typed))


def ask(engine: Engine, request: AskRequest) -> Answer:
    """`engine.ask` for `request`."""
    return engine.ask(request.question, request.k, request.previous, filters=request.filters, k_limit=request.k_limit,
                      as_typed=request.as_typed)
