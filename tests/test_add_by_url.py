"""`qa add URL` against a local news site: the article is saved with its URL and indexed; a
missing page, a page with no article text, a non-HTML file or a duplicate change nothing and say why in one line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.ingest.addresses import parse_networks
from qa.collection import add_pages
from qa.errors import FetchError
from qa.ingest.fetch import check_url, fetch, file_name, with_canonical

from .newsite import ARTICLE_FACT, ARTICLE_TITLE, CANONICAL, news_site
from .support import ROOT, collection_hashes, kept_collection

# the test site is on loopback, which qa fetches from only when told to (tests/test_add_by_url_safety.py)
LOOPBACK = parse_networks(["127.0.0.0/8"])
ALLOW_LOOPBACK = ("--allow-network", "127.0.0.0/8")


@pytest.fixture(scope="module")
def site():
    with news_site() as (base, server):
        yield base, server


def qa(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd or ROOT)


def test_an_article_page_is_fetched_with_its_address_recorded(site):
    base, _ = site
    page = fetch(f"{base}/science/otter-census", allow=LOOPBACK)
    assert page.title == ARTICLE_TITLE and page.words > 100
    assert page.url == f"{base}/science/otter-census"
    assert f'<link rel="canonical" href="{page.url}">' in page.html and ARTICLE_FACT in page.html
    assert file_name(page) == "otter-census-finds-412-otters-along-the-vltava.html"


def test_a_page_that_names_its_own_address_keeps_it_and_redirects_are_followed(site):
    base, _ = site
    own = fetch(f"{base}/canonical", allow=LOOPBACK)
    assert own.url == CANONICAL and own.html.count('rel="canonical"') == 1
    moved = fetch(f"{base}/short/otters", allow=LOOPBACK)
    assert moved.requested == f"{base}/short/otters" and moved.url == f"{base}/science/otter-census"


@pytest.mark.parametrize("path, reason", [
    ("/nowhere", "HTTP 404"),
    ("/world", "no article text"),
    ("/report.pdf", r"not an HTML page \(application/pdf\)"),
])
def test_pages_that_are_not_articles_are_refused(site, path, reason):
    base, _ = site
    with pytest.raises(FetchError, match=reason) as err:
        fetch(base + path, allow=LOOPBACK)
    assert "\n" not in str(err.value) and path in str(err.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.html", "javascript:alert(1)", "", "otters"])
def test_only_http_addresses_are_fetched(url):
    with pytest.raises(FetchError, match="not an http"):
        check_url(url)


def test_no_network_is_one_line():
    with pytest.raises(FetchError, match="could not connect"):
        fetch(f"http://127.0.0.1:{closed_port()}/article", allow=LOOPBACK)


def test_the_address_goes_into_the_head():
    assert with_canonical("<html><HEAD lang=x><title>t</title>", "http://a/b?c=1&d=\"2\"") == (
        '<html><HEAD lang=x><link rel="canonical" href="http://a/b?c=1&amp;d=&quot;2&quot;"><title>t</title>')
    assert with_canonical("<p>no head</p>", "http://a/").startswith('<head><link rel="canonical" href="http://a/">')


def test_failures_exit_2_and_change_nothing(site, tmp_path):
    base, _ = site
    folder, index, before = kept_collection(tmp_path)
    for path in ("/nowhere", "/world", "/report.pdf"):
        out = qa("add", *ALLOW_LOOPBACK, base + path, "--source", str(folder), "--index", str(index))
        assert out.returncode == 2, out
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("qa: error: ") and path in lines[0], out.stderr
        assert collection_hashes(folder) == before
    # one bad address among good ones: nothing is saved
    out = qa("add", *ALLOW_LOOPBACK, f"{base}/science/otter-census", f"{base}/world", "--source", str(folder), "--index", str(index))
    assert out.returncode == 2 and collection_hashes(folder) == before
    assert not index.exists(), "no index was created or changed"


@pytest.mark.model
def test_add_saves_indexes_and_refuses_a_second_copy(site, tmp_path):
    base, _ = site
    folder, index = tmp_path / "articles", tmp_path / "index"
    out = qa("add", *ALLOW_LOOPBACK, f"{base}/science/otter-census", "--source", str(folder), "--index", str(index))
    assert out.returncode == 0, out.stderr
    saved = folder / "otter-census-finds-412-otters-along-the-vltava.html"
    assert saved.exists() and "added otter-census-finds-412-otters-along-the-vltava.html" in out.stdout
    assert sorted(p.name for p in folder.iterdir()) == [saved.name], "no temp file left behind"
    shown = qa("show", saved.name, "--index", str(index), "--json")
    doc = json.loads(shown.stdout)
    assert doc["url"] == f"{base}/science/otter-census" and doc["title"] == ARTICLE_TITLE
    assert doc["date"] == "2025-04-17T09:30" and doc["byline"] == "Jana Dvořáková"
    assert ARTICLE_FACT in doc["text"] and "Subscribe" not in doc["text"] and "dataLayer" not in doc["text"]
    answer = json.loads(qa("ask", "How many otters were counted along the Vltava?", "--index", str(index),
                           "--json").stdout)
    assert answer["excerpts"][0]["doc_id"] == saved.name and answer["excerpts"][0]["url"] == doc["url"]

    before = collection_hashes(folder)
    again = qa("add", *ALLOW_LOOPBACK, f"{base}/short/otters", "--source", str(folder), "--index", str(index))
    assert again.returncode == 2 and f"already in the collection as {saved.name}" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1 and collection_hashes(folder) == before


def test_add_never_overwrites_a_file_that_appears_while_the_page_is_saved(site, tmp_path, fresh_engine, monkeypatch):
    """Another writer takes the page's file name at the moment the page's bytes are being written (after any
    look at the name, before the file is in place): that file stays as it is and the page gets the next name."""
    base, _ = site
    page = fetch(f"{base}/science/otter-census", allow=LOOPBACK)
    folder, name = tmp_path / "articles", file_name(page)
    folder.mkdir()
    theirs = "<html><body><h1>Beavers return</h1><p>Beavers were seen on the Otava again this spring.</p></body></html>"
    real_write_bytes, real_write_text = Path.write_bytes, Path.write_text

    def the_other_writer_first(write):
        def hooked(path, data, *args, **kwargs):
            if path.parent == folder and path.name.startswith(".") and not (folder / name).exists():
                real_write_text(folder / name, theirs, encoding="utf-8")
            return write(path, data, *args, **kwargs)
        return hooked

    monkeypatch.setattr(Path, "write_bytes", the_other_writer_first(real_write_bytes))
    monkeypatch.setattr(Path, "write_text", the_other_writer_first(real_write_text))
    change = add_pages(fresh_engine(), [page], folder, [folder])
    monkeypatch.undo()

    assert (folder / name).read_text(encoding="utf-8") == theirs
    ours = folder / name.replace(".html", "-2.html")
    assert ours.read_text(encoding="utf-8") == page.html
    assert change.files == {ours.name: page.requested} and not change.errors
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, ours.name]), "no temp file left behind"


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
