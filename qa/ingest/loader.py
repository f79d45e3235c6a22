"""Load documents: find files in a collection, read their text and metadata."""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from . import metadata
from ..config import MAX_UPLOAD_BYTES, SETTINGS, SUPPORTED_SUFFIXES, LoadSettings
from ..errors import LoadError
from .pdf import pdf_text
from ..records import Document

# Larger files are skipped with a message, before they are read: they are not articles, and 20 MB of
# text is already ~40k passages (~15 min of embedding on 2 cores). The same limit as for uploads.
MAX_FILE_BYTES = MAX_UPLOAD_BYTES
TITLE_CHARS = SETTINGS.load.title_chars

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Windows editors save "Unicode" text this way


@dataclass(frozen=True)
class SourceFile:
    """A candidate file in a collection, identified before it is parsed."""

    doc_id: str
    path: Path
    sha256: str


def doc_id_of(root: Path, path: Path, several_roots: bool) -> str:
    """A document's id: its path below its collection folder, behind the folder's name when there are several."""
    return _doc_id(Path(root).name, Path(path).relative_to(root).as_posix(), several_roots)


def _doc_id(root_name: str, rel: str, several_roots: bool) -> str:
    """`doc_id_of` from the folder's name and the path below it (posix): what the scan already has."""
    return f"{root_name}/{rel}" if several_roots else rel


def scan(roots: list[Path]) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """List the article files under `roots` with content hashes; also return (file, reason) skips."""
    files: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    prefix_needed = len(roots) > 1
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            raise LoadError(f"collection folder not found: {root}")
        real_root = root.resolve()
        for rel, entry in _entries(root):
            doc_id = _doc_id(root.name, rel, prefix_needed)
            if not _is_utf8(doc_id):  # SQLite, JSON and the browser all need text: one such name blocked every build
                skipped.append((shown_name(doc_id), "the file name is not valid UTF-8; rename the file"))
                continue
            path = Path(entry.path)
            target, refusal = _link_target(path, real_root) if entry.is_symlink() else (path, None)
            if refusal:
                skipped.append((doc_id, refusal))
                continue
            if target.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append((doc_id, f"unsupported file type '{target.suffix or '(none)'}'"))
                continue
            try:
                info = target.stat() if target is not path else entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    raise OSError("not a regular file")
                if info.st_size > MAX_FILE_BYTES:
                    skipped.append((doc_id, f"too large ({info.st_size // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)"))
                    continue
                digest = file_digest(target)
            except OSError as exc:
                skipped.append((doc_id, f"unreadable: {exc.strerror or exc}"))
                continue
            files.append(SourceFile(doc_id, target, digest))
    return files, skipped


def _entries(root: Path) -> list[tuple[str, os.DirEntry]]:
    """(path below root, entry) of every file and link under `root`, in path order, hidden ones left out.

    Linked folders are not descended into (their links are listed and checked like linked files). os.scandir
    rather than Path.rglob and pathlib calls per file: a `qa build` with nothing to do over 32,816 files went
    from 4.2-4.7 s to 3.1 s (docs/speed.md, "Scanning the collection").
    """
    found: list[tuple[str, os.DirEntry]] = []
    pending = [("", str(root))]
    while pending:
        folder, path = pending.pop()
        try:
            with os.scandir(path) as entries:
                listed = list(entries)
        except OSError:
            continue  # an unreadable sub-folder holds nothing we can index (as Path.rglob skipped it)
        for entry in listed:
            if entry.name.startswith("."):
                continue  # hidden files and folders (editor swap files, .DS_Store) are not articles
            rel = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_symlink() or entry.is_file(follow_symlinks=False):
                found.append((rel, entry))
            elif entry.is_dir(follow_symlinks=False):
                pending.append((rel, entry.path))
    return sorted(found, key=lambda item: item[0].split("/"))  # the order of Path parts, as before


def _link_target(link: Path, real_root: Path) -> tuple[Path, str | None]:
    """(the file a link leads to, None), or (link, reason) when it may not be followed.

    Only the resolved target counts, never the link's own name: `passwd.txt -> /etc/passwd` served the
    system's password file through `ask`.
    """
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop (RuntimeError before Python 3.13)
        return link, "a broken link"
    if not target.is_relative_to(real_root):
        return link, "a link that leaves the collection folder; not followed"
    if any(part.startswith(".") for part in target.relative_to(real_root).parts):
        return link, "a link to a hidden file; not followed"
    if target.suffix.lower() not in SUPPORTED_SUFFIXES:
        return link, f"a link to a file of unsupported type '{target.suffix or '(none)'}'"
    return target, None


def file_digest(path: Path) -> str:
    """The content hash a build records for a file (a file whose hash differs from the index's is re-read)."""
    return hashlib.sha256(_read(path)).hexdigest()


def _read(path: Path) -> bytes:
    """The bytes of `path`, refusing a link put in its place since the scan resolved it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates (PEP 383)
        return False


def shown_name(name: str) -> str:
    """A file name as it may be printed and stored: undecodable bytes as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def load(file: SourceFile, limits: LoadSettings = SETTINGS.load) -> Document:
    """Read one file into a Document, or raise LoadError with a one-line reason."""
    try:
        data = _read(file.path)
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from None
    suffix = file.path.suffix.lower()
    if suffix == ".pdf":
        text, meta = pdf_text(data, limits)
    else:
        if b"\x00" in data[:8192] and not data.startswith(_UTF16_BOMS):
            raise LoadError("binary file, not text")
        raw = decode_text(data)
        if suffix in (".html", ".htm"):
            text, meta = _html_text(raw)
        elif suffix in (".md", ".markdown"):
            text, meta = metadata.markdown_text(raw)  # shown, excerpted and cited as plain text
        else:
            text, meta = raw, {}
    if not text.strip():
        raise LoadError("no text")
    head = metadata.head_metadata(text)
    meta = {k: meta.get(k) or head.get(k) for k in ("title", "byline", "date_text", "url")}
    if not meta["title"]:
        meta["title"] = metadata.cut_title(head.get("lead") or text, shown_name(file.path.name))
    iso = metadata.iso_date(meta["date_text"]) if meta["date_text"] else None
    # metadata is shown in one line (a heading, a button): a 5,009-character <title> made an 88,334 px heading
    short = {k: shorten(v, limits.title_chars) for k, v in meta.items()}
    return Document(
        doc_id=file.doc_id,
        text=text,
        sha256=file.sha256,
        title=short["title"],
        byline=short["byline"],
        date=iso,
        source=str(file.path.resolve()),
        date_text=short["date_text"],
        url=meta["url"] if meta["url"] and len(meta["url"]) <= 2000 else None,
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


def shorten(line: str | None, limit: int = TITLE_CHARS) -> str | None:
    """`line` on one line, cut at a word to at most `limit` characters plus "…"; None when empty."""
    line = " ".join(str(line or "").split())
    if len(line) <= limit:
        return line or None
    cut = line[:limit]
    if " " in cut[limit // 2:]:  # cut at a word unless that loses more than half
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:—- ") + "…"


def _html_text(html: str) -> tuple[str, dict]:
    """The main text of an HTML article (no scripts, navigation or boilerplate) and its metadata."""
    import trafilatura

    meta = metadata.html_metadata(html)
    text = None
    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
        info = trafilatura.extract_metadata(html)
        if info is not None:  # what the page's head does not say, trafilatura may find in its body
            found = {"title": info.title, "byline": info.author, "date_text": info.date, "url": info.url}
            meta = {k: meta.get(k) or found.get(k) for k in found}
    except Exception:  # trafilatura raises many kinds on malformed markup; fall back below
        text = None
    if not text:
        text = _html_fallback_text(html)
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
