"""Exposure: the app listens on loopback unless told otherwise; another address needs --expose, then a password."""
from __future__ import annotations

import subprocess
import sys
from argparse import Namespace

import pytest

from .support import ROOT, SEED_ANSWER, SEED_QUESTION, gradio_client


# ---- exposure: loopback by default, anything else needs --expose and then a password ----------
def _args(host="127.0.0.1", expose=False, no_auth=False):
    return Namespace(host=host, expose=expose, no_auth=no_auth, user="qa")


def test_loopback_needs_nothing_and_uses_a_password_when_given():
    from qa.serve.startup import login

    assert login(_args(), password=None) is None
    assert login(_args("::1"), password=None) is None
    assert login(_args("localhost"), password="s3cret") == ("qa", "s3cret")


def test_other_hosts_need_expose_then_a_password():
    from qa.serve.startup import ExposureError, login

    with pytest.raises(ExposureError, match="--expose"):
        login(_args("0.0.0.0"), password="s3cret")
    with pytest.raises(ExposureError, match="QA_PASSWORD"):
        login(_args("192.168.1.5", expose=True), password=None)
    assert login(_args("0.0.0.0", expose=True), password="s3cret") == ("qa", "s3cret")
    assert login(_args("example.org", expose=True, no_auth=True), password=None) is None


# ---- exposure ------------------------------------------------------------------------------------------
def _listening_addresses(port: int) -> set[str]:
    import psutil

    return {c.laddr.ip for c in psutil.net_connections(kind="inet") if c.status == "LISTEN" and c.laddr.port == port}


def _outside_address() -> str | None:
    """An address of this machine that other machines could reach (not loopback), if it has one."""
    import ipaddress

    import psutil

    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family.name == "AF_INET" and not ipaddress.ip_address(a.address).is_loopback:
                return a.address
    return None


def test_app_listens_on_loopback_only_by_default(app_server):
    import socket
    from urllib.parse import urlparse

    port = urlparse(app_server.url).port
    assert _listening_addresses(port) == {"127.0.0.1"}
    outside = _outside_address()
    if outside:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(5)
            s.connect((outside, port))


def test_expose_without_a_password_is_refused(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if k != "QA_PASSWORD"}
    run = subprocess.run([sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--expose", "--index",
                          str(tmp_path / "i")], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and "QA_PASSWORD" in run.stderr
    assert not (tmp_path / "i").exists()


def test_exposed_app_needs_the_password(seed_engine, tmp_path):
    import os

    from .apprunner import launch, stop, wait_until_up

    pytest.importorskip("gradio_client")
    host = _outside_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address")
    env = dict(os.environ, QA_PASSWORD="correct horse")
    log = open(tmp_path / "app.log", "w")
    app, url, port = launch(["--host", host, "--expose", "--index", str(seed_engine.index_dir),
                       "--source", str(seed_engine.index_dir.parent / "articles")],
                      host=host, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        assert wait_until_up(app, url, timeout=180), (tmp_path / "app.log").read_text()[-2000:]
        assert _listening_addresses(port) == {host}
        with pytest.raises(Exception):
            gradio_client(url).predict(SEED_QUESTION, 1, api_name="/ask")
        with pytest.raises(Exception):
            gradio_client(url, auth=("qa", "wrong"))
        got = gradio_client(url, auth=("qa", "correct horse")).predict(SEED_QUESTION, 1, api_name="/ask")
        assert SEED_ANSWER in got["excerpts"][0]["text"]
    finally:
        stop(app)
        log.close()
