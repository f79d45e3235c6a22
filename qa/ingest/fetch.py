"""Fetch a news page by its URL and check that it holds an article, ready to be saved as an `.html` file."""
from __future__ import annotations

import html as html_lib
import http.client
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from . import metadata
from .addresses import Network, checked_opener
from ..config import FETCH_MAX_BYTES, FETCH_MIN_WORDS, FETCH_TIMEOUT_SECONDS, FETCH_USER_AGENT
from ..errors import AddressNotAllowed, FetchError
from .loader import decode_text

SCHEMES = ("http", "https")
HTML_TYPES = ("text/html", "application/xhtml+xml")
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_CHARS = 80


@dataclass(frozen=True)
class Page:
    """A fetched article page: the address asked for, where it was found (after redirects), and its HTML."""

    requested: str
    url: str  # the article's own address: its canonical link or og:url when it has one, else the final URL
    html: str  # the page with that address recorded in it (a canonical link), so the loader reads it back
    title: str | None
    words: int  # words of main text found


def check_url(url: str) -> str:
    """`url` stripped, or FetchError unless it is an http(s) address with a host."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise FetchError(f"{url or '(empty)'}: not an http:// or https:// address")
    return url


def fetch(url: str, timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = FETCH_MAX_BYTES,
          allow: tuple[Network, ...] = ()) -> Page:
    """Download `url` (redirects followed, http/https only) and check it is an article; FetchError otherwise.

    Only public addresses are connected to, plus those in the `allow` networks (qa.ingest.addresses); anything else,
    on the first request or on a redirect, is AddressNotAllowed, before any connection is made."""
    url = check_url(url)
    final, data, charset = _download(url, timeout, max_bytes, allow)
    text = data.decode(charset, errors="replace") if charset and _known(charset) else decode_text(data)
    return article_page(url, final, text)


def article_page(requested: str, final: str, html: str) -> Page:
    """The Page for `html` found at `final`; FetchError when it holds no article text."""
    words = len((_main_text(html) or "").split())
    if words < FETCH_MIN_WORDS:
        raise FetchError(f"{requested}: no article text found on the page ({words} words of main text)")
    meta = metadata.html_metadata(html)
    own = meta.get("url")
    if own and urlsplit(own).scheme.lower() in SCHEMES:
        return Page(requested, own, html, meta.get("title"), words)
    return Page(requested, final, with_canonical(html, final), meta.get("title"), words)


def with_canonical(html: str, url: str) -> str:
    """`html` with `<link rel="canonical" href=url>` at the top of its head (the loader reads the URL there)."""
    tag = f'<link rel="canonical" href="{html_lib.escape(url, quote=True)}">'
    m = _HEAD.search(html)
    if m:
        return html[:m.end()] + tag + html[m.end():]
    return f"<head>{tag}</head>\n{html}"


def file_name(page: Page) -> str:
    """A file name for the page: its title (else its address) as a slug, `.html`."""
    parts = urlsplit(page.url)
    base = page.title or f"{parts.hostname} {parts.path}"
    slug = _SLUG.sub("-", base.lower()).strip("-")[:SLUG_CHARS].rstrip("-")
    return f"{slug or 'article'}.html"


def _main_text(html: str) -> str | None:
    """The article body as trafilatura sees it, without the loader's fallback to all visible text."""
    import trafilatura

    try:
        return trafilatura.extract(html, include_comments=False, include_tables=False)
    except Exception:  # trafilatura raises many kinds on malformed markup: that page holds no article we can read
        return None


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s) addresses (urllib would also follow ftp://)."""

    max_redirections = 10

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme.lower() not in SCHEMES:
            raise FetchError(f"{req.full_url}: redirected to {newurl}, not an http(s) address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(url: str, timeout: float, max_bytes: int,
              allow: tuple[Network, ...]) -> tuple[str, bytes, str | None]:
    """(final URL, body, charset) of an HTML page, or FetchError with the reason in one line."""
    opener = checked_opener(allow, _Redirects())
    request = urllib.request.Request(url, headers={"User-Agent": FETCH_USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    try:
        with opener.open(request, timeout=timeout) as response:
            headers: Message = response.headers
            kind = headers.get_content_type()
            if kind not in HTML_TYPES:
                raise FetchError(f"{url}: not an HTML page ({kind})")
            data = response.read(max_bytes + 1)
            final = response.geturl()
    except AddressNotAllowed as exc:  # the same words whether or not anything listens there: no port oracle
        raise AddressNotAllowed(f"{url}: not allowed: {exc}") from None
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"{url}: could not connect ({_reason(exc.reason)})") from None
    except (TimeoutError, OSError, http.client.HTTPException, ValueError) as exc:
        raise FetchError(f"{url}: could not be read ({_reason(exc)})") from None
    if len(data) > max_bytes:
        raise FetchError(f"{url}: the page is larger than {max_bytes // 2**20} MB")
    return final, data, headers.get_content_charset()


def _reason(reason) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "timed out"
    return getattr(reason, "strerror", None) or str(reason) or type(reason).__name__


def _known(charset: str) -> bool:
    import codecs

    try:
        codecs.lookup(charset)
        return True
    except LookupError:
        return False
