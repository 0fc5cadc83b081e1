"""Put first on PYTHONPATH of a child process by tests/ops/test_liveness.py: SIGUSR1 then blocks the
main thread (the event loop's) for WEDGE_SECONDS, as a blocking call in a job would, while the
other threads (the metrics server's) run on. Production code has no such hook."""

import os
import signal
import time


def _wedge(signum: int, frame: object) -> None:
    time.sleep(float(os.environ.get("WEDGE_SECONDS", "40")))


signal.signal(signal.SIGUSR1, _wedge)
