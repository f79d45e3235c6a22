"""With QA_PASSWORD set, every route of the app but the login page answers 401 without credentials."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess

import pytest
from starlette.routing import Mount, WebSocketRoute

from .support import (HTTP_PATIENCE, SEED_QUESTION as FENTANYL, SEEDS, SPUN, client_for, documented_mcp_configs,
                      gradio_client)

httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.model  # every test here talks to app.py, whose start-up build loads the model
PASSWORD = "change-me"  # docs/api.md's examples use it too
USER = "qa"
LOGIN_ROUTES = {"/", "/login", "/login/", "/theme.css"}
LOGIN_PREFIXES = ("/assets/", "/static/")  # Gradio's bundled scripts and styles for the login page


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    """`QA_PASSWORD=... python app.py` on a free loopback port over a copy of seeds/."""
    from types import SimpleNamespace

    from .apprunner import launch, stop, wait_until_up

    base = tmp_path_factory.mktemp("locked")
    collection = base / "articles"
    shutil.copytree(SEEDS, collection)
    log = open(base / "app.log", "w")
    proc, url, port = launch(["--source", str(collection), "--index", str(base / "index")], stdout=log,
                             stderr=subprocess.STDOUT, cwd=base, env={**os.environ, "QA_PASSWORD": PASSWORD})
    if not wait_until_up(proc, url, timeout=300):
        proc.kill()
        pytest.fail(f"app.py did not start:\n{(base / 'app.log').read_text()[-3000:]}")
    yield SimpleNamespace(url=url.rstrip("/"), port=port, collection=collection, index=base / "index",
                          log=base / "app.log")
    stop(proc)
    log.close()


def route_table(locked) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app as app.py builds it: its own, MCP's and Gradio's."""
    from qa.serve.startup import create_app
    from qa.engine import Engine
    from qa.serve.web import Site

    app = create_app(Engine(locked.index), locked.collection, Site("127.0.0.1", locked.port, (USER, PASSWORD)))
    return sorted(set(_walk(app.routes)))


def _walk(routes, prefix: str = ""):
    for route in routes:
        if isinstance(route, Mount) and route.routes:
            yield from _walk(route.routes, prefix + route.path)
        elif isinstance(route, Mount):  # a mounted app with no routes of its own, e.g. static files
            yield "GET", prefix + route.path + "/{path}"
        elif hasattr(route, "effective_candidates"):  # FastAPI's included routers (Gradio's /gradio_api/...)
            yield from _walk(route.effective_candidates(), prefix)
        elif isinstance(route, WebSocketRoute):
            yield "GET", prefix + route.path  # its handshake starts as a GET
        else:
            original = getattr(route, "original_route", route)
            # a route to a bare ASGI app (the MCP endpoint) takes every method: try those it serves
            for method in getattr(original, "methods", None) or {"GET", "POST", "DELETE"}:
                if method != "HEAD":
                    yield method, prefix + route.path


def test_every_route_but_the_login_page_needs_the_password(locked):
    routes = route_table(locked)
    paths = {path for _, path in routes}
    # the walk sees all of them: ours, MCP, the docs, and Gradio's API, queue and file routes
    assert ("POST", "/mcp") in routes and ("GET", "/static-offline-docs/{path}") in routes
    assert {"/api/ask", "/api/articles/{doc_id:path}", "/mcp", "/docs", "/openapi.json", "/config",
            "/gradio_api/info", "/gradio_api/queue/join", "/gradio_api/file={path_or_url:path}",
            "/gradio_api/upload", "/gradio_api/heartbeat/{session_hash}"} <= paths, paths
    open_routes, refused = [], []
    with httpx.Client(base_url=locked.url, timeout=30) as anonymous:
        for method, path in routes:
            url = re.sub(r"\{[^}]+\}", "x", path)
            if path in LOGIN_ROUTES or path.startswith(LOGIN_PREFIXES):
                open_routes.append(path)
                continue
            r = anonymous.request(method, url)
            if r.status_code != 401:
                refused.append((method, path, r.status_code))
    assert not refused, f"answered without the password: {refused}"
    assert len(open_routes) < 10 and len(routes) > 60


def test_the_login_page_shows_nothing_of_the_collection(locked):
    with httpx.Client(base_url=locked.url, timeout=30) as anonymous:
        page = anonymous.get("/")
        assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
        assert "fentanyl" not in page.text.lower() and SPUN not in page.text
        assert anonymous.post("/login", data={"username": USER, "password": "wrong"}).status_code in (400, 401)
        r = anonymous.get("/api/ask", params={"q": FENTANYL})
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert list(r.json()) == ["error"]


def test_basic_or_bearer_or_the_login_cookie_open_the_api(locked):
    with httpx.Client(base_url=locked.url, timeout=HTTP_PATIENCE) as client:
        r = client.get("/api/ask", params={"q": FENTANYL, "k": 1}, auth=(USER, PASSWORD))
        assert r.status_code == 200 and "2019" in r.json()["excerpts"][0]["text"]
        assert client.get("/api/articles", headers={"Authorization": f"Bearer {PASSWORD}"}).status_code == 200
        assert client.get("/docs", auth=(USER, PASSWORD)).status_code == 200
        assert client.get("/api/articles", auth=(USER, "wrong")).status_code == 401
        assert client.get("/api/articles", auth=("someone", PASSWORD)).status_code == 401
        assert client.get("/api/articles", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert client.get(f"/api/articles/{SPUN}").status_code == 200  # the UI's login cookie, as a browser sends


def test_mcp_with_the_readme_password_config(locked):
    entry = next(c for c in documented_mcp_configs() if "headers" in c)

    async def go():
        async with client_for(entry, locked.url, PASSWORD) as client:
            return await client.call_tool("ask_articles", {"question": FENTANYL, "k": 1})

    result = asyncio.run(go())
    assert not result.is_error and "2019" in result.structured_content["excerpts"][0]["text"]


def test_gradio_client_logs_in_with_the_password(locked):
    pytest.importorskip("gradio_client")
    client = gradio_client(locked.url + "/", auth=(USER, PASSWORD))
    got = client.predict(FENTANYL, 1, api_name="/ask")
    assert "2019" in got["excerpts"][0]["text"]
    with pytest.raises(Exception):
        gradio_client(locked.url + "/")


def test_a_login_sees_its_own_conversations_only(locked):
    """Conversations kept for the login's user name; the local user's (or anyone else's) stay out of sight."""
    from qa.conversations.store import LOCAL_USER, ConversationStore

    store = ConversationStore.beside(locked.index)
    answer = {"question": FENTANYL, "answer": [], "excerpts": []}
    own = store.add(USER, None, answer, {}).conversation_id
    local = store.add(LOCAL_USER, None, answer, {}).conversation_id
    with httpx.Client(base_url=locked.url, timeout=HTTP_PATIENCE) as client:
        assert client.get("/api/conversations").status_code == 401
        for auth in ({"auth": (USER, PASSWORD)}, {"headers": {"Authorization": f"Bearer {PASSWORD}"}}):
            listed = client.get("/api/conversations", **auth).json()["conversations"]
            assert [c["id"] for c in listed] == [own]
            assert client.get(f"/api/conversations/{local}", **auth).status_code == 404
        assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert [c["id"] for c in client.get("/api/conversations").json()["conversations"]] == [own]  # the cookie
