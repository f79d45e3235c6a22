"""Hooks that let the crash tests stop a build at an exact moment; inert unless QA_TEST_PAUSE is set."""
from __future__ import annotations

import signal
import sys

from .config import crash_test_pause


def pause_for_crash_test(point: str) -> None:
    """With QA_TEST_PAUSE=<point>:<seconds>, announce the point on stderr and wait there (until SIGUSR1 or the
    seconds pass), so a test can kill the build, or change its world (fill the disk), at exactly that moment.
    Unset (always, outside tests), it does nothing."""
    pause = crash_test_pause()
    if pause is None or pause[0] != point:
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})  # SIGUSR1 resumes instead of ending the process
    print(f"qa-test: paused at {point}", file=sys.stderr, flush=True)
    signal.sigtimedwait({signal.SIGUSR1}, pause[1])
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
