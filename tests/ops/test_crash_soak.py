"""The crash soak's short mode (bench/crash_soak.py): ten managers through the wizard while the
API is SIGKILLed three times and PostgreSQL restarted once (immediate mode), on a server and
storage the soak owns; then nothing acknowledged may be missing, no contract half-made, no
chain broken, no client held twice, nothing created twice by a retry."""

from __future__ import annotations

import time

import pytest

from bench import crash_soak

# It starts a PostgreSQL server and an API of its own.
pytestmark = [pytest.mark.slow, pytest.mark.services]


# Starting two servers and restarting them takes minutes on a busy two-core machine.
@pytest.mark.timeout(600)
def test_crashes_and_restarts_lose_nothing() -> None:
    started = time.monotonic()
    report = crash_soak.main(["--short", "--no-save", "--seed", "13"])
    checks = report["checks"]
    failed = {k: v for k, v in checks.items() if isinstance(v, dict) and not v["ok"]}
    assert not failed, failed
    assert report["errors"] == []
    assert report["kills"] == 3 and report["postgres_restarts"] == 1
    # The run did what it is for: writes were acknowledged across the restarts, some had to be
    # sent again, and wizards went all the way through.
    assert report["wizards_completed"] >= 3
    assert checks["acknowledged_writes_stored"]["acked"] >= 30
    assert report["requests_refused_during_restarts"] > 0
    assert report["ok"]
    print(f"crash soak, short mode: {time.monotonic() - started:.0f} s")
