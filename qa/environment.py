"""Every environment variable qa reads, in one place: offline switches, the password, test hooks, cores."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Networks besides the public internet that pages may be fetched from (comma-separated, e.g. "10.0.0.0/8"):
# none by default, so a URL cannot make the server read its own loopback or private-network services
FETCH_ALLOW_ENV = "QA_FETCH_ALLOW"
# Nothing may download at run time: qa/__init__.py sets these before transformers, huggingface_hub or gradio load.
OFFLINE_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                       "HF_HUB_DISABLE_TELEMETRY": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                       "TOKENIZERS_PARALLELISM": "false"}
PASSWORD_ENV = "QA_PASSWORD"  # the app's login password (user `qa` unless --user)
FORBID_MODEL_ENV = "QA_FORBID_MODEL"  # =1: loading the model is an error (the fast test tier sets it)
CORES_ENV = "QA_CORES"  # at most this many cores (a Ray worker sets 1: one model thread an actor)


def go_offline() -> None:
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def backend_override() -> str | None:
    """$QA_BACKEND: force an embedding backend (fp32, bf16, onnx-int8) whatever ModelSettings says."""
    return os.environ.get("QA_BACKEND") or None


def model_forbidden() -> bool:
    """$QA_FORBID_MODEL=1: this process may not load the embedding model (tests/conftest.py's fast tier)."""
    return os.environ.get(FORBID_MODEL_ENV) == "1"


def password() -> str | None:
    return os.environ.get(PASSWORD_ENV) or None


def fetch_allowed_networks() -> list[str]:
    """$QA_FETCH_ALLOW as written: the networks (besides public addresses) that `qa add` and the app may fetch from."""
    return [part.strip() for part in os.environ.get(FETCH_ALLOW_ENV, "").split(",") if part.strip()]


def cache_dir() -> Path:
    """Where exported models are kept: $QA_CACHE_DIR, else the user cache folder, else the temp folder."""
    explicit = os.environ.get("QA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return Path(tempfile.gettempdir()) / "qa-cache"


def crash_test_pause() -> tuple[str, float] | None:
    """$QA_TEST_PAUSE=<point>:<seconds>, set only by tests/test_crash_safety.py: (point, seconds), else None."""
    name, _, seconds = os.environ.get("QA_TEST_PAUSE", "").partition(":")
    return (name, float(seconds or 30)) if name else None


def available_cores() -> int:
    """The cores this process may use (its CPU affinity where the OS has one, at most $QA_CORES)."""
    try:
        found = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        found = max(1, os.cpu_count() or 1)
    limit = os.environ.get(CORES_ENV, "")
    return min(found, int(limit)) if limit.isdigit() and int(limit) > 0 else found
