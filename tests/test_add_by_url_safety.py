"""Add by URL fetches only public addresses unless told otherwise: every spelling of loopback, every redirect hop
and a name that resolves differently the second time are refused before a connection is made, with the same one
line whether or not anything listens there, and nothing is saved or indexed."""
from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys

import pytest

from qa.ingest.addresses import is_allowed, is_public, parse_networks
from qa.errors import AddressNotAllowed, FetchError, UsageError
from qa.ingest.fetch import fetch

from .newsite import ARTICLE_FACT, news_site
from .support import ROOT, collection_hashes, kept_collection

SECRET = "/science/otter-census"  # the "internal" page: the test checks that no request for it ever arrives


@pytest.fixture
def internal():
    """A private page served on 127.0.0.1, as an admin console or a metadata service would be."""
    with news_site() as (base, server):
        yield base, server


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def spellings(port: int) -> list[str]:
    """Ways to write this machine's own address in a URL."""
    return [f"http://127.0.0.1:{port}{SECRET}", f"http://localhost:{port}{SECRET}", f"http://127.1:{port}{SECRET}",
            f"http://0x7f000001:{port}{SECRET}", f"http://2130706433:{port}{SECRET}", f"http://0.0.0.0:{port}{SECRET}",
            f"http://[::1]:{port}{SECRET}", f"http://[::ffff:127.0.0.1]:{port}{SECRET}",
            f"http://[::ffff:7f00:1]:{port}{SECRET}", f"https://127.0.0.1:{port}{SECRET}",
            f"http://LocalHost:{port}{SECRET}"]


def test_every_spelling_of_loopback_is_refused_before_connecting(internal):
    base, server = internal
    for url in spellings(port_of(base)):
        with pytest.raises(AddressNotAllowed) as err:
            fetch(url)
        message = str(err.value)
        assert message.startswith(f"{url}: not allowed:") and "\n" not in message, message
    assert server.hits == [], "the internal page was requested"


def test_the_refusal_is_no_port_or_status_oracle(internal):
    base, _ = internal
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    said = {}
    for name, url in (("open", f"{base}{SECRET}"), ("closed", f"http://127.0.0.1:{closed}{SECRET}"),
                      ("missing page", f"{base}/nowhere"), ("not HTML", f"{base}/report.pdf")):
        with pytest.raises(AddressNotAllowed) as err:
            fetch(url)
        said[name] = str(err.value).split(": ", 1)[1]
    assert len(set(said.values())) == 1, said


def test_a_redirect_to_loopback_is_refused(internal):
    base, server = internal
    # an allowed site (on 127.0.0.2, allowed by name) that redirects to the internal one on 127.0.0.1
    with news_site("127.0.0.2", redirects={"/go": f"{base}{SECRET}"}) as (outside, outside_server):
        with pytest.raises(AddressNotAllowed, match="not allowed"):
            fetch(f"{outside}/go", allow=parse_networks(["127.0.0.2"]))
        assert outside_server.hits == ["/go"]
    assert server.hits == [], "the redirect was followed to the internal page"


def test_the_connection_goes_to_the_address_that_was_checked(internal, monkeypatch):
    """A rebinding name answers an allowed address first and loopback after: only one lookup is made."""
    base, server = internal
    with news_site("127.0.0.2") as (allowed_site, allowed_server):
        allowed_port, secret_port = port_of(allowed_site), port_of(base)
        real = socket.getaddrinfo
        answers = iter(["127.0.0.2", "127.0.0.1", "127.0.0.1"])

        def rebinding(host, port, *args, **kwargs):
            if host != "rebind.test":
                return real(host, port, *args, **kwargs)
            # the second answer points at the internal server's port, as a rebinding attacker's would
            ip = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port if ip == "127.0.0.2" else secret_port))]

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        page = fetch(f"http://rebind.test:{allowed_port}{SECRET}", allow=parse_networks(["127.0.0.2"]))
    assert ARTICLE_FACT in page.html and allowed_server.hits == [SECRET]
    assert server.hits == []


def test_the_opt_in_names_the_networks_that_may_be_fetched(internal):
    base, server = internal
    page = fetch(f"{base}{SECRET}", allow=parse_networks(["127.0.0.0/8"]))
    assert ARTICLE_FACT in page.html and server.hits == [SECRET]
    server.hits.clear()
    with pytest.raises(AddressNotAllowed):  # another network allowed is not this one
        fetch(f"{base}{SECRET}", allow=parse_networks(["10.0.0.0/8", "::1"]))
    assert server.hits == []


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.255.254", "0.0.0.0", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "192.0.0.8", "198.18.0.1", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::", "2002:c0a8:101::1", "::127.0.0.1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo carrying 127.0.0.1
])
def test_non_public_addresses_are_refused(address):
    assert not is_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::6810:84e5", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808"])
def test_public_addresses_are_allowed(address):
    assert is_public(ipaddress.ip_address(address))


def test_allowed_networks_admit_their_addresses_only():
    allow = parse_networks(["10.0.0.0/8, 127.0.0.1", "fd00::/8"])
    assert is_allowed(ipaddress.ip_address("10.9.8.7"), allow)
    assert is_allowed(ipaddress.ip_address("::ffff:10.9.8.7"), allow)
    assert is_allowed(ipaddress.ip_address("fd00::5"), allow)
    assert not is_allowed(ipaddress.ip_address("127.0.0.2"), allow)
    assert not is_allowed(ipaddress.ip_address("192.168.0.1"), allow)
    with pytest.raises(UsageError, match="--allow-network intranet: not a network"):
        parse_networks(["intranet"])


def qa(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, env=env)


def test_qa_add_of_a_loopback_page_exits_2_and_saves_nothing(internal, tmp_path):
    base, server = internal
    folder, index, before = kept_collection(tmp_path)
    out = qa("add", f"http://localhost:{port_of(base)}{SECRET}", "--source", str(folder), "--index", str(index))
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "not allowed" in lines[0] and "Traceback" not in out.stderr, out.stderr
    assert collection_hashes(folder) == before and not index.exists() and server.hits == []
    bad = qa("add", f"{base}{SECRET}", "--allow-network", "intranet", "--source", str(folder), "--index", str(index))
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "qa: error: --allow-network intranet: not a network or address (write it like 10.0.0.0/8, 127.0.0.1 or ::1)")


@pytest.mark.model
def test_qa_add_with_the_network_allowed_adds_the_page(internal, tmp_path):
    base, server = internal
    folder, index = tmp_path / "articles", tmp_path / "index"
    out = qa("add", f"{base}{SECRET}", "--allow-network", "127.0.0.1", "--source", str(folder), "--index", str(index))
    assert out.returncode == 0, out.stderr
    assert [p.suffix for p in folder.iterdir()] == [".html"] and SECRET in server.hits


def test_the_collection_tab_refuses_a_loopback_page(internal, tmp_path):
    from qa.engine import Engine
    from qa.ui.collection_tab import CollectionTab

    base, server = internal
    folder = tmp_path / "articles"
    folder.mkdir()
    tab = CollectionTab(Engine(tmp_path / "index", create=True), [folder])
    notice, *_ = tab.add_url(f"http://127.1:{port_of(base)}{SECRET}", progress=lambda *a, **k: None)
    assert "not allowed" in notice and "qa-error" in notice
    assert list(folder.iterdir()) == [] and server.hits == []


def test_fetch_errors_are_fetch_errors():
    assert issubclass(AddressNotAllowed, FetchError)
