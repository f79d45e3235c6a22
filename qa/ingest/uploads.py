"""Save uploaded files into a collection folder safely: clean names, allowed types and sizes, no overwrites."""
from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..config import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, UPLOAD_SUFFIXES
from ..errors import UploadError

MAX_NAME_CHARS = 120
_UNSAFE_CHARS = re.compile(r"[^\w.\- ()]+")  # anything else (quotes, <>, control chars) becomes "_"


@dataclass
class SaveReport:
    """What happened to each uploaded file."""

    saved: list[Path] = field(default_factory=list)
    # files of the same name and bytes already in the folder: not copied again, but maybe not yet indexed
    # (an app killed between saving an upload and indexing it), so the caller checks the index
    already_present: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    """A plain file name for `name` as the browser sent it, or UploadError when it is unsafe or not allowed.

    Names that try to leave the folder (`..`, absolute or drive paths) and hidden names are refused
    rather than repaired, so a hostile client learns nothing useful; ordinary folder parts are dropped.
    """
    raw = str(name or "")
    shown = _shown(raw)
    if "\x00" in raw:
        raise UploadError(f"{shown}: the file name contains a NUL byte")
    if PurePosixPath(raw).is_absolute() or PureWindowsPath(raw).is_absolute() or PureWindowsPath(raw).drive:
        raise UploadError(f"{shown}: absolute paths are not allowed as file names")
    parts = re.split(r"[\\/]+", raw)
    if any(part == ".." for part in parts):
        raise UploadError(f"{shown}: '..' is not allowed in file names")
    base = unicodedata.normalize("NFC", parts[-1]).strip()
    if not base or base in (".",):
        raise UploadError(f"{shown}: the file name is empty")
    if base.startswith("."):
        raise UploadError(f"{shown}: hidden file names (starting with '.') are not allowed")
    clean = _UNSAFE_CHARS.sub("_", base).strip(" ")
    stem, suffix = os.path.splitext(clean)
    if suffix.lower() not in UPLOAD_SUFFIXES:
        raise UploadError(f"{shown}: file type '{suffix or '(none)'}' is not allowed (use {', '.join(UPLOAD_SUFFIXES)})")
    stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") or "upload"
    return stem + suffix.lower()


def check_size(name: str, size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise UploadError(f"{_shown(name)}: {size / 2**20:.1f} MB is more than the {MAX_UPLOAD_BYTES // 2**20} MB limit")
    if size == 0:
        raise UploadError(f"{_shown(name)}: the file is empty")


def save_uploads(files: list[tuple[str, Path]], folder: Path) -> SaveReport:
    """Copy each (name as sent, temporary path) into `folder`; bad files are reported, the rest still saved."""
    report = SaveReport()
    if len(files) > MAX_UPLOAD_FILES:
        report.errors.append(f"{len(files)} files at once is more than the limit of {MAX_UPLOAD_FILES}; nothing was added")
        return report
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in files:
        try:
            target, created = _save(name, Path(path), folder)
        except UploadError as exc:
            report.errors.append(str(exc))
            continue
        (report.saved if created else report.already_present).append(target)
    return report


def save_one(name: str, path: Path, folder: Path) -> Path | None:
    """Store one file under a safe, unused name; None when an identical file of that name is already there."""
    target, created = _save(name, path, folder)
    return target if created else None


def _save(name: str, path: Path, folder: Path) -> tuple[Path, bool]:
    """(where the file is, whether it was written now rather than found there with the same bytes)."""
    clean = safe_name(name)
    try:
        check_size(name, path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise UploadError(f"{_shown(name)}: could not read the upload ({exc.strerror or exc})") from None
    check_size(name, len(data))  # the file may have changed since stat
    try:
        return write_new(folder, clean, data)
    except OSError as exc:
        raise UploadError(f"{_shown(name)}: could not be saved ({exc.strerror or exc})") from None


def write_new(folder: Path, name: str, data: bytes) -> tuple[Path, bool]:
    """Put `data` in `folder` under the first free name of name, name-2, name-3…, never replacing a file,
    even one that appears meanwhile: (that name, True), or (the file, False) when one of those names
    already holds the same bytes. The bytes go to a hidden temp file first (a build or the watcher
    running now ignores it), which then gets the name by a link that fails if the name is taken."""
    tmp = folder / f".upload-{uuid.uuid4().hex}.tmp"
    try:
        tmp.write_bytes(data)
        return _link_unused(tmp, folder, name, data)
    finally:
        tmp.unlink(missing_ok=True)


def _link_unused(tmp: Path, folder: Path, clean: str, data: bytes) -> tuple[Path, bool]:
    """Give `tmp` the first free name of clean, clean-2, clean-3… (linking fails rather than overwrite);
    (that name, True), or (the file, False) when one of those names already holds the same bytes."""
    stem, suffix = os.path.splitext(clean)
    for n in range(1, 10_000):
        target = folder / (clean if n == 1 else f"{stem}-{n}{suffix}")
        if target.is_file() and not target.is_symlink() and _same_bytes(target, data):
            return target, False
        try:
            os.link(tmp, target)  # atomic, and never replaces an existing file
            return target, True
        except FileExistsError:
            continue
        except OSError:  # file systems without hard links: exclusive create instead
            try:
                with open(target, "xb") as out, open(tmp, "rb") as src:
                    shutil.copyfileobj(src, out)
                return target, True
            except FileExistsError:
                continue
    raise UploadError(f"{clean}: too many files with this name already")


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _shown(name: str) -> str:
    """The name as it may be printed in a one-line message: no control characters, bounded length."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in str(name))
    return repr(printable[:80] + ("…" if len(printable) > 80 else ""))
