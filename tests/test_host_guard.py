"""Every route of a running app answers only to the names it is served under (no DNS rebinding), refuses writes
from a foreign web page, and never tells a foreign origin it may read a response: REST, Gradio and MCP alike, on
127.0.0.1 and on another loopback address."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from qa.serve.host_guard import ServedNames, host_name

from .apprunner import launch, stop, wait_until_up
from .support import HTTP_PATIENCE, SEEDS

httpx = pytest.importorskip("httpx")

EVIL = "evil.example"
MCP_PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
MCP_HEADERS = {"accept": "application/json, text/event-stream"}
JOIN = {"data": [], "fn_index": 0, "session_hash": "abc"}


@pytest.fixture(scope="module")
def second_loopback(tmp_path_factory):
    """app.py bound to 127.0.0.2, also served as qa.example.test (--allowed-host), with no password."""
    base = tmp_path_factory.mktemp("app-127-0-0-2")
    shutil.copytree(SEEDS, base / "articles")
    log = open(base / "app.log", "w")
    proc, url, port = launch(["--host", "127.0.0.2", "--source", str(base / "articles"), "--index",
                              str(base / "index"), "--allowed-host", "qa.example.test"],
                             host="127.0.0.2", stdout=log, stderr=subprocess.STDOUT, cwd=base)
    if not wait_until_up(proc, url, timeout=300):
        proc.kill()
        pytest.fail(f"app.py did not start:\n{(base / 'app.log').read_text()[-3000:]}")
    yield url.rstrip("/"), port
    stop(proc)
    log.close()


def calls(base: str, host: str, origin: str | None = None) -> dict[str, int]:
    """The status of each kind of route when asked with `host` (and `origin`)."""
    headers = {"host": host, **({"origin": origin} if origin else {})}
    with httpx.Client(timeout=HTTP_PATIENCE) as client:
        return {
            "/api/articles": client.get(f"{base}/api/articles", headers=headers).status_code,
            "/api/ask": client.get(f"{base}/api/ask", params={"q": "fentanyl"}, headers=headers).status_code,
            "/config": client.get(f"{base}/config", headers=headers).status_code,
            "/": client.get(f"{base}/", headers=headers).status_code,
            "/gradio_api/queue/join": client.post(f"{base}/gradio_api/queue/join", json=JOIN,
                                                  headers=headers).status_code,
            "/mcp": client.post(f"{base}/mcp", json=MCP_PING, headers={**headers, **MCP_HEADERS}).status_code,
        }


@pytest.mark.model
def test_a_foreign_host_gets_421_on_every_route(app_server):
    base = app_server.url.rstrip("/")
    port = base.rsplit(":", 1)[1]
    assert calls(base, f"{EVIL}:{port}") == dict.fromkeys(calls(base, f"127.0.0.1:{port}"), 421)
    with httpx.Client(timeout=HTTP_PATIENCE) as client:
        body = client.get(f"{base}/api/articles", headers={"host": EVIL}).json()
    assert set(body) == {"error"} and "evil.example" in body["error"] and "\n" not in body["error"]


@pytest.mark.model
def test_loopback_names_are_served(app_server):
    base = app_server.url.rstrip("/")
    port = base.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}"):
        got = calls(base, host)
        assert got["/api/articles"] == got["/config"] == got["/"] == got["/mcp"] == 200, (host, got)
        assert got["/gradio_api/queue/join"] != 421, (host, got)


@pytest.mark.model
def test_a_write_from_a_foreign_page_gets_403_and_no_cors_echo(app_server):
    base = app_server.url.rstrip("/")
    port = base.rsplit(":", 1)[1]
    got = calls(base, f"127.0.0.1:{port}", origin=f"http://{EVIL}:{port}")
    assert got["/gradio_api/queue/join"] == got["/mcp"] == 403, got
    assert got["/api/articles"] == 200, "a foreign page may send a GET; it just cannot read the answer"
    with httpx.Client(timeout=HTTP_PATIENCE) as client:
        for path in ("/api/articles", "/config", "/gradio_api/info"):
            r = client.get(f"{base}{path}", headers={"origin": f"http://{EVIL}"})
            assert "access-control-allow-origin" not in r.headers, (path, r.headers)
        own = client.post(f"{base}/gradio_api/queue/join", json=JOIN, headers={"origin": f"http://127.0.0.1:{port}"})
        assert own.status_code not in (403, 421)


@pytest.mark.model
def test_another_loopback_address_is_guarded_too(second_loopback):
    base, port = second_loopback
    assert set(calls(base, f"{EVIL}:{port}").values()) == {421}
    for host in (f"127.0.0.2:{port}", "qa.example.test", f"qa.example.test:{port}", f"localhost:{port}"):
        got = calls(base, host)
        assert got["/api/articles"] == got["/config"] == got["/mcp"] == 200, (host, got)
    assert calls(base, f"127.0.0.2:{port}", origin=f"http://{EVIL}")["/mcp"] == 403


def test_served_names():
    served = ServedNames("127.0.0.2", ["News.Internal"])
    for host in ("127.0.0.2", "127.0.0.2:7860", "localhost:1", "a.localhost", "[::1]:80", "127.0.0.1",
                 "news.internal:443", "NEWS.INTERNAL."):
        assert host in served, host
    for host in ("evil.example", "evil.example:7860", "192.168.1.5", "", "localhost.evil.example",
                 "127.0.0.2.nip.io", "[2001:db8::1]"):
        assert host not in served, host
    assert served.origin_allowed("http://localhost:3000") and served.origin_allowed("https://news.internal")
    for origin in ("null", "http://evil.example", "file://", "javascript:x", "http://127.0.0.2.evil.example"):
        assert not served.origin_allowed(origin), origin
    everywhere = ServedNames("0.0.0.0")
    assert "192.168.1.5:7860" in everywhere and "evil.example" not in everywhere
    assert host_name("[::1]:8080") == "::1" and host_name("Example.ORG:80") == "example.org"
