"""A process that calls its peers loads the HTTP transport's async backend as it starts, not
inside its first call (libs/common/http.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_service_client_loads_its_async_backend_at_import() -> None:
    # A fresh interpreter: this one's test run may have loaded the backend already.
    code = "import sys, libs.common.http; print('anyio._backends._asyncio' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert done.stdout.strip() == "True"
