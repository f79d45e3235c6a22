"""Load documents: find files in a collection, read their text and metadata."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .config import MAX_UPLOAD_BYTES, SUPPORTED_SUFFIXES
from .errors import LoadError
from .records import Document

# Larger files are skipped with a message, before they are read: they are not articles, and 20 MB of
# text is already ~40k passages (~15 min of embedding on 2 cores). The same limit as for uploads.
MAX_FILE_BYTES = MAX_UPLOAD_BYTES
TITLE_CHARS = 120

_BYLINE = re.compile(r"^\s*By\s+([A-Z][\w.'’\-]*(?:[ ,]+(?:and\s+)?[A-Z][\w.'’\-]*){0,6})\s*$")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    rf"^\s*(?:(?:Published|Updated|Posted)\s*:?\s*)?("
    rf"\d{{1,2}}\s+{_MONTH}\s+\d{{4}}(?:,?\s+\d{{1,2}}:\d{{2}}(?:\s*[AP]M)?(?:\s+[A-Z]{{2,4}})?)?"
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}(?:,?\s+\d{{1,2}}:\d{{2}}(?:\s*[AP]M)?(?:\s+[A-Z]{{2,4}})?)?"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?)?"
    rf")\s*$",
    re.IGNORECASE,
)


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Windows editors save "Unicode" text this way


@dataclass(frozen=True)
class SourceFile:
    """A candidate file in a collection, identified before it is parsed."""

    doc_id: str
    path: Path
    sha256: str


def doc_id_of(root: Path, path: Path, several_roots: bool) -> str:
    """A document's id: its path below its collection folder, behind the folder's name when there are several."""
    rel = Path(path).relative_to(root).as_posix()
    return f"{Path(root).name}/{rel}" if several_roots else rel


def scan(roots: list[Path]) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """List the article files under `roots` with content hashes; also return (file, reason) skips."""
    files: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    prefix_needed = len(roots) > 1
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            raise LoadError(f"collection folder not found: {root}")
        for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue  # hidden files and folders (editor swap files, .DS_Store) are not articles
            doc_id = doc_id_of(root, path, prefix_needed)
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append((doc_id, f"unsupported file type '{path.suffix or '(none)'}'"))
                continue
            try:
                if not path.is_file():
                    raise OSError("not a regular file")
                size = path.stat().st_size
                if size > MAX_FILE_BYTES:
                    skipped.append((doc_id, f"too large ({size // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)"))
                    continue
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                skipped.append((doc_id, f"unreadable: {exc.strerror or exc}"))
                continue
            files.append(SourceFile(doc_id, path, digest))
    return files, skipped


def load(file: SourceFile) -> Document:
    """Read one file into a Document, or raise LoadError with a one-line reason."""
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from None
    suffix = file.path.suffix.lower()
    if suffix == ".pdf":
        text, meta = _pdf_text(data)
    else:
        if b"\x00" in data[:8192] and not data.startswith(_UTF16_BOMS):
            raise LoadError("binary file, not text")
        raw = decode_text(data)
        if suffix in (".html", ".htm"):
            text, meta = _html_text(raw)
        else:
            text, meta = raw, {}
    if not text.strip():
        raise LoadError("no text")
    head = _head_metadata(text, markdown=suffix in (".md", ".markdown"))
    return Document(
        doc_id=file.doc_id,
        text=text,
        sha256=file.sha256,
        title=meta.get("title") or head.get("title"),
        byline=meta.get("byline") or head.get("byline"),
        date=meta.get("date") or head.get("date"),
        source=str(file.path.resolve()),
    )


def decode_text(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM) or BOM-marked UTF-16; else cp1252, then latin-1, never failing."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _head_metadata(text: str, markdown: bool) -> dict:
    """Title, byline and date as stated in the first lines of a plain-text article."""
    found: dict = {}
    for line in text.splitlines()[:12]:
        stripped = line.strip()
        if not stripped:
            continue
        if "byline" not in found and (m := _BYLINE.match(stripped)):
            found["byline"] = m.group(1).strip()
        elif "date" not in found and (m := _DATE.match(stripped)):
            found["date"] = m.group(1).strip()
        elif "title" not in found:
            found["title"] = _shorten(stripped.lstrip("#").strip() if markdown else stripped)
    return found


def _shorten(line: str) -> str:
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:—- ") + "…"


def _html_text(html: str) -> tuple[str, dict]:
    """The main text of an HTML article (no scripts, navigation or boilerplate) and its metadata."""
    import trafilatura

    meta: dict = {}
    text = None
    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
        info = trafilatura.extract_metadata(html)
        if info is not None:
            meta = {"title": info.title, "byline": info.author, "date": info.date}
    except Exception:  # trafilatura raises many kinds on malformed markup; fall back below
        text = None
    if not text:
        text = _html_fallback_text(html)
    if not meta.get("title"):
        m = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
        if m:
            import html as htmllib

            meta["title"] = _shorten(" ".join(htmllib.unescape(m.group(1)).split())) or None
    return text or "", {k: v for k, v in meta.items() if v}


def _html_fallback_text(html: str) -> str:
    """Visible text of short or odd pages that trafilatura declines to extract."""
    try:
        import lxml.html
        from lxml_html_clean import Cleaner

        tree = lxml.html.fromstring(html)
        tree = Cleaner(scripts=True, javascript=True, style=True, forms=True, comments=True).clean_html(tree)
        for bad in tree.xpath("//nav|//header|//footer|//aside"):
            bad.drop_tree()
        blocks = [" ".join(el.text_content().split()) for el in tree.iter("h1", "h2", "h3", "p", "li", "blockquote", "pre", "td")]
        text = "\n".join(b for b in blocks if b)
        return text or " ".join(tree.text_content().split())
    except Exception:
        return ""


def _pdf_text(data: bytes) -> tuple[str, dict]:
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
        title = info.get("/Title") if hasattr(info, "get") else None
        author = info.get("/Author") if hasattr(info, "get") else None
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise LoadError(f"PDF could not be parsed ({type(exc).__name__})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    return text, {"title": str(title) if title else None, "byline": str(author) if author else None}
