"""``extractwatch dlq resend`` against the real broker, with a worker dead-lettering bad input."""

from __future__ import annotations

import subprocess
import sys
import time

import orjson
import pytest

from streams.settings import settings_env
from streams.topics import ensure_topics
from tests.helpers import raw_event
from tests.integration.conftest import ROOT, read_topic, wait_for
from tests.integration.test_pipeline import START, malformed_messages, produce_raw

pytestmark = pytest.mark.integration


def dlq_reasons(settings) -> list[str]:
    return sorted(
        dict(m.headers())["reason"].decode() for m in read_topic(settings, settings.dlq_topic, idle_s=1.0)
    )


def resend(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", "dlq", "resend", *args],
        cwd=ROOT,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def dead_lettered(settings, start_worker):
    ensure_topics(settings)
    # an event of now first: its partition's watermark then makes the "late" record late
    produce_raw(settings, {"current": orjson.dumps(raw_event(client_id="someone", ts=time.time()))})
    bad = malformed_messages(settings, "someone")
    produce_raw(settings, bad)
    worker = start_worker()
    wait_for(lambda: len(dlq_reasons(settings)) == len(bad), 120, "the DLQ", worker)
    return worker, sorted(bad)


def test_resend_puts_the_chosen_reason_back_on_the_input_and_says_how_many(settings, dead_lettered):
    worker, reasons = dead_lettered
    done = resend(settings, "--reason", "invalid_json")
    assert done.returncode == 0 and done.stdout.startswith("resent 1 DLQ records (invalid_json 1)")
    # still invalid: the worker dead-letters it once more, and only it
    wait_for(lambda: len(dlq_reasons(settings)) == len(reasons) + 1, 120, "the resent record", worker)
    assert dlq_reasons(settings) == sorted([*reasons, "invalid_json"])


def test_a_dry_run_counts_and_sends_nothing_and_late_and_future_are_refused(settings, dead_lettered):
    _worker, reasons = dead_lettered
    done = resend(settings, "--dry-run")
    assert done.returncode == 0
    assert done.stdout.startswith(f"would resend {len(reasons) - 2} DLQ records")
    assert "refused future 1, late 1" in done.stdout
    assert len(read_topic(settings, settings.input_topic, idle_s=1.0)) == len(reasons) + 1  # and "current"


def test_late_records_need_force(settings, dead_lettered):
    refused = resend(settings, "--reason", "late")
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = resend(settings, "--reason", "late", "--force", "--since", str(START))
    assert forced.returncode == 0 and forced.stdout.startswith("resent 1 DLQ records (late 1)")
