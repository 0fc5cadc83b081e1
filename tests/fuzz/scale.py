"""How much the hypothesis fuzzers try: 20 × ``FUZZ_EXAMPLES`` examples (5 under ``make test``,
100 under ``make fuzz``), derandomized unless ``FUZZ_EXAMPLES`` is set, as schemathesis's are."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = 20 * int(os.environ.get("FUZZ_EXAMPLES", "5"))


def fuzz_settings(*suppressed: HealthCheck) -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize="FUZZ_EXAMPLES" not in os.environ,
        suppress_health_check=[HealthCheck.too_slow, *suppressed],
    )
