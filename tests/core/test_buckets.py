import pickle

from streams.core.buckets import BucketGate
from streams.core.clusters import Heartbeat


def test_a_restored_gate_waits_for_a_source_that_was_idle_before_the_snapshot():
    gate = BucketGate(sources=2, bucket_s=1.0)
    gate.hear(Heartbeat(0, 10.0, idle=True))
    gate.hear(Heartbeat(1, 10.0))
    restored = pickle.loads(pickle.dumps(gate))
    # Source 1 runs ahead on its catch-up; source 0's backlog has not reached the gate yet.
    restored.offer("from 1", bucket=15, dedup=1, position=1)
    assert restored.hear(Heartbeat(1, 30.0)) == []
    restored.offer("from 0", bucket=15, dedup=0, position=1)
    assert restored.hear(Heartbeat(0, 20.0)) == [(15, ["from 1", "from 0"])]
    assert restored.late == 0


def test_a_live_gate_releases_past_an_idle_source():
    gate = BucketGate(sources=2, bucket_s=1.0)
    gate.hear(Heartbeat(0, 10.0, idle=True))
    gate.offer("from 1", bucket=15, dedup=1, position=1)
    assert gate.hear(Heartbeat(1, 30.0)) == [(15, ["from 1"])]


def test_an_idle_source_heard_after_the_restore_releases_a_restored_gate():
    gate = pickle.loads(pickle.dumps(BucketGate(sources=2, bucket_s=1.0)))
    gate.offer("from 1", bucket=15, dedup=1, position=1)
    gate.hear(Heartbeat(0, 10.0))
    assert gate.hear(Heartbeat(1, 30.0)) == []
    assert gate.hear(Heartbeat(0, 10.0, idle=True)) == [(15, ["from 1"])]


def test_a_busy_heartbeat_without_a_watermark_holds_the_buckets_at_the_sources_last_promise():
    gate = BucketGate(sources=2, bucket_s=1.0)
    gate.hear(Heartbeat(0, 10.0, idle=True))
    gate.hear(Heartbeat(0, None))  # busy again: records of it are on their way
    gate.offer("from 1", bucket=15, dedup=1, position=1)
    assert gate.hear(Heartbeat(1, 30.0)) == []
    assert gate.source_watermarks[0] == 10.0
