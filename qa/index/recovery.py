"""Set a damaged index aside so that `qa build --rebuild` can start again from the collection files."""
from __future__ import annotations

import os
import time
from pathlib import Path

from ..errors import DiskFull, IndexBusy, IndexUnavailable
from .generations import KINDS
from .store import DB_NAME, Store


def set_aside_if_damaged(folder: Path) -> Path | None:
    """Move a database that SQLite cannot read (pages, text or metadata) to `damaged-<time>/`; return where.

    Only a rebuild calls this: the collection files are the real source, so a rebuild can start from
    nothing, and the damaged files are kept rather than deleted in case someone wants to look at them.
    """
    folder = Path(folder)
    db_path = folder / DB_NAME
    if not db_path.exists() or _readable(folder):
        return None
    aside = folder / f"damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    aside.mkdir(exist_ok=True)
    derived = [p for kind, suffix in KINDS.items() for p in folder.glob(f"{kind}-*{suffix}")]
    for path in [db_path, *folder.glob(DB_NAME + "-*"), *derived]:
        os.replace(path, aside / path.name)
    return aside


def _readable(folder: Path) -> bool:
    try:
        store = Store(folder)
    except (DiskFull, IndexBusy):
        return True  # not damaged: the build itself will say what is wrong
    except IndexUnavailable:
        return False
    try:
        store.check()
        return True
    except IndexBusy:
        raise
    except IndexUnavailable:
        return False
    finally:
        store.close()
