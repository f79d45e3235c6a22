"""Hooks that let the crash tests stop a build at an exact moment; inert unless QA_TEST_PAUSE is set."""
from __future__ import annotations

import sys
import time

from .config import crash_test_pause


def pause_for_crash_test(point: str) -> None:
    """With QA_TEST_PAUSE=<point>:<seconds>, announce the point on stderr and sleep there, so
    tests/test_crash.py can kill a build at exactly that moment. Unset (always, outside tests), it does nothing."""
    pause = crash_test_pause()
    if pause is not None and pause[0] == point:
        print(f"qa-test: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(pause[1])
