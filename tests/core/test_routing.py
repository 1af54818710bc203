"""The route stage and the merge on the clients' partitions: whichever input partition a producer
puts an event on, the clients' partitions apply the same events in the same order as ``detect``."""

import random
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

import orjson
import pytest

from streams.core.cluster_wire import Router, encode_envelopes
from streams.core.detector import Detector
from streams.core.partition import PartitionState
from streams.core.partitioner import partition_for
from streams.core.routing import SourceState
from streams.core.stage import InputRecord
from streams.errors import CheckpointError
from streams.settings import DetectorSettings
from streams.simulate.scenarios import SKELETON
from streams.simulate.traffic import traffic
from tests.helpers import encoded

N = 4
CFG = DetectorSettings()
T0 = 1_795_766_400.0


def lines(hours: float = 4.0) -> list[bytes]:
    events, _ = traffic(5, T0, hours * 3600, scenarios=SKELETON)
    return [orjson.dumps(e) for e in events]


def as_the_worker(
    values: list[bytes], place: Callable[[int, dict], int], seed: int = 0
) -> tuple[list[PartitionState], list]:
    """The live worker's route and detect lanes, with the Kafka topics as lists: each value on the
    input partition ``place`` picks, each input partition judged in batches of random size, the
    partitions taking turns in a random order (one can run hours of event time ahead of another),
    and what each batch routes sent as envelopes to the routed topic's partitions, which the detect
    partitions apply in offset order."""
    logs: dict[int, list[InputRecord]] = defaultdict(list)
    for i, value in enumerate(values):
        doc = orjson.loads(value)
        log = logs[place(i, doc)]
        log.append(InputRecord(len(log), doc["ts"], value))
    sources = [SourceState(p, CFG) for p in range(N)]
    states = [PartitionState(p, N, CFG) for p in range(N)]
    router = Router.to_detect(N, CFG.merge_bucket_s)
    routed_offsets = [0] * N
    alerts = []

    def send(routed) -> None:
        for target, items in routed.items():
            for envelope in encode_envelopes(items, 4000, 1 << 20):
                record = InputRecord(routed_offsets[target], 0.0, envelope)
                alerts.extend(states[target].apply([record]).alerts)
                routed_offsets[target] += 1

    for p in range(N):
        send(router.route(p, [], None))
    rng = random.Random(seed)
    read = [0] * N
    while unread := [p for p in range(N) if read[p] < len(logs[p])]:
        p = rng.choice(unread)
        batch = logs[p][read[p] : read[p] + rng.randint(1, 400)]
        read[p] += len(batch)
        out = sources[p].apply(batch)
        send(router.route(p, out.routed, sources[p].watermark))
    for p in range(N):
        send(router.idle(p, sources[p].idle_watermark))
    return states, alerts


PLACEMENTS = {
    "murmur2": lambda _i, doc: partition_for(doc["client_id"], N),
    "crc32 (librdkafka's consistent_random)": lambda _i, doc: zlib.crc32(doc["client_id"].encode()) % N,
    "round robin": lambda i, _doc: i % N,
    "random": lambda i, _doc: random.Random(i).randrange(N),
}


@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
def test_the_worker_alerts_as_detect_wherever_the_producer_put_each_event(placement):
    values = lines()
    detect = Detector(N, CFG)
    expected = list(detect.run(values))
    states, alerts = as_the_worker(values, PLACEMENTS[placement])
    assert expected, "the traffic raises alerts"
    assert sorted(a.alert_id for a in alerts) == sorted(a.alert_id for a in expected)
    for mine, theirs in zip(states, detect.states, strict=True):
        assert mine.applied == theirs.applied and mine.max_ts == theirs.max_ts


def test_an_event_far_behind_its_source_is_applied_not_lost():
    before = [encoded(client_id="c", event_id=f"e{i}", ts=T0 + i) for i in range(100)]
    after = [encoded(client_id="c", event_id=f"f{i}", ts=T0 + 100 + i) for i in range(100)]
    straggler = encoded(client_id="c", event_id="straggler", ts=T0 + 10)  # 190 s behind its source
    home = partition_for("c", N)
    without, _ = as_the_worker(before + after, lambda i, _doc: i % N)
    with_it, _ = as_the_worker([*before, *after, straggler], lambda i, _doc: i % N)
    assert with_it[home].applied == without[home].applied + 1 == 201  # a stopped stream is applied to its end


def test_a_partition_built_for_one_partitioner_refuses_the_other():
    blob = PartitionState(0, N, CFG).snapshot()
    with pytest.raises(CheckpointError, match="input_partitioner"):
        PartitionState.restore(blob, replace(CFG, input_partitioner="murmur2"))
