"""Hooks that let the crash tests stop a build at an exact moment; inert unless QA_TEST_PAUSE is set."""
from __future__ import annotations

import signal
import sys
import threading
import time

from .config import crash_test_pause


class _Resume(Exception):
    """Raised by the SIGUSR1 handler to end a pause early."""


def _resume(signum, frame):
    raise _Resume


def pause_for_crash_test(point: str) -> None:
    """With QA_TEST_PAUSE=<point>:<seconds>, announce the point on stderr and wait there (until SIGUSR1 or the
    seconds pass), so a test can kill the build, or change its world (fill the disk), at exactly that moment.
    Unset (always, outside tests), it does nothing."""
    pause = crash_test_pause()
    if pause is None or pause[0] != point:
        return
    # a handler, not a blocked signal: any thread (tqdm's monitor, say) may receive it, and unhandled it would
    # end the process; handlers run in the main thread, which is the build's in `qa build`
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGUSR1, _resume) if main else None
    print(f"qa-test: paused at {point}", file=sys.stderr, flush=True)
    try:
        time.sleep(pause[1])
    except _Resume:
        pass
    finally:
        if main:
            signal.signal(signal.SIGUSR1, previous)
