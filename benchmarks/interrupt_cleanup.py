"""Ctrl-C or a kill stops a benchmark once, and its clean-up then runs to the end.

    from interrupt_cleanup import run
    if __name__ == "__main__":
        run(main)   # main's try/finally removes what it made
"""

import signal
import sys
import threading

INTERRUPTED = threading.Event()


def _interrupt(*_):
    """The first Ctrl-C (or kill) stops the run; later ones are ignored so the clean-up is not cut short."""
    INTERRUPTED.set()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("interrupted: removing what this run made…", file=sys.stderr, flush=True)
    raise KeyboardInterrupt


def run(main) -> None:
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        sys.exit(main())
    except BaseException:
        if not INTERRUPTED.is_set():
            raise
        # main's clean-up has run; whatever else broke on the way out (a notebook kernel torn
        # down mid-cell) is a consequence of the Ctrl-C
        print("interrupted; what this run made has been removed", file=sys.stderr)
        sys.exit(130)
