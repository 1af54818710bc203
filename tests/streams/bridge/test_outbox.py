"""The bridge's outbox: ordering, dedup against the ledger, coalescing, retries, rate limit, offsets."""

import random

from streams.bridge.outbox import Outbox, Step
from streams.settings import PagerDutySettings

CFG = PagerDutySettings(rate_per_minute=6000.0, burst=100, retry_initial_s=1.0, retry_max_s=8.0)


def step(offset, key="client:a:1", seq=0, status="firing", partition=0):
    return Step(partition, offset, key, seq, status, {"dedup_key": key}, b"{}")


def outbox(cfg=CFG):
    return Outbox(cfg, now=0.0, rng=random.Random(7))


def offer(box, *steps):
    settled = []
    for s in steps:
        box.read(s.partition, s.offset)
        settled += box.offer(s)
    return settled


def test_one_incident_sends_one_step_at_a_time_in_seq_order():
    box = outbox()
    offer(box, step(0, seq=0), step(1, seq=1, status="resolved"))
    (first,) = box.due(0.0, slots=4)
    assert first.seq == 0 and box.due(0.0, slots=4) == []
    box.accepted(first)
    (second,) = box.due(0.0, slots=4)
    assert (second.seq, second.status) == (1, "resolved")


def test_a_step_not_newer_than_the_ledger_is_settled_without_sending():
    box = outbox()
    box.delivered["client:a:1"] = 1
    settled = offer(box, step(0, seq=1, status="resolved"))
    assert [s.why for s in settled] == ["already_delivered"]
    assert box.due(0.0, slots=4) == [] and box.books[0].committable() == 1


def test_a_newer_firing_supersedes_a_waiting_firing_but_never_a_resolve():
    box = outbox()
    offer(box, step(0, seq=0))
    (in_flight,) = box.due(0.0, slots=4)
    settled = offer(box, step(1, seq=1), step(2, seq=2), step(3, seq=3, status="resolved"), step(4, seq=4))
    assert [(s.step.seq, s.why) for s in settled] == [(1, "superseded")]
    box.accepted(in_flight)
    sent = []
    while step_ := box.due(0.0, slots=4):
        sent += [(s.seq, s.status) for s in step_]
        box.accepted(step_[0])
    assert sent == [(2, "firing"), (3, "resolved"), (4, "firing")]


def test_nothing_coalesces_across_dedup_keys():
    box = outbox()
    settled = offer(box, step(0, key="client:a:1"), step(1, key="client:b:1"))
    assert settled == [] and len(box.due(0.0, slots=4)) == 2


def test_a_failing_incident_waits_its_backoff_while_others_flow():
    box = outbox()
    offer(box, step(0, key="client:a:1"))
    (failing,) = box.due(0.0, slots=4)
    box.retry(failing, now=0.0)
    offer(box, step(1, key="client:b:1"))
    assert [s.dedup_key for s in box.due(0.1, slots=4)] == ["client:b:1"]
    assert box.due(0.4, slots=4) == []  # the first retry waits at least half of retry_initial_s
    assert [s.dedup_key for s in box.due(1.0, slots=4)] == ["client:a:1"]


def test_backoff_doubles_up_to_the_cap_with_jitter_between_half_and_all():
    box = outbox()
    for attempts, nominal in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)):
        delays = [box.backoff_s(attempts) for _ in range(200)]
        assert nominal / 2 <= min(delays) and max(delays) <= nominal
        assert max(delays) - min(delays) > nominal / 4  # jittered, not fixed


def test_a_retried_firing_is_superseded_by_a_newer_firing_waiting_behind_it():
    box = outbox()
    offer(box, step(0, seq=0))
    (in_flight,) = box.due(0.0, slots=4)
    offer(box, step(1, seq=1))
    settled = box.retry(in_flight, now=0.0)
    assert [(s.step.seq, s.why) for s in settled] == [(0, "superseded")]
    (next_,) = box.due(10.0, slots=4)
    assert next_.seq == 1


def test_a_throttled_answer_empties_the_rate_limit_bucket():
    box = outbox(PagerDutySettings(rate_per_minute=60.0, burst=5))
    offer(box, step(0, key="client:a:1"), step(1, key="client:b:1"))
    first, _second = box.due(0.0, slots=4)
    box.retry(first, now=0.0, throttled=True)
    offer(box, step(2, key="client:c:1"))
    assert box.due(0.5, slots=4) == []  # 3 tokens were left before the 429
    assert len(box.due(1.0, slots=4)) == 1  # one token a second again


def test_the_rate_limit_lets_a_burst_out_then_spaces_the_rest():
    box = outbox(PagerDutySettings(rate_per_minute=120.0, burst=2))
    offer(box, *[step(i, key=f"client:{i}:1") for i in range(5)])
    assert len(box.due(0.0, slots=10)) == 2
    assert box.due(0.4, slots=10) == []
    assert len(box.due(0.5, slots=10)) == 1


def test_offsets_commit_up_to_the_first_unsettled_alert():
    box = outbox()
    offer(box, step(0, key="client:a:1"), step(1, key="client:b:1"))
    a, b = box.due(0.0, slots=4)
    box.accepted(b)
    assert box.books[0].committable() == 0
    box.accepted(a)
    assert box.books[0].committable() == 2


def test_dropping_a_revoked_partition_forgets_its_waiting_steps():
    box = outbox()
    offer(box, step(0, key="client:a:1", partition=0), step(0, key="client:b:1", partition=1))
    assert box.drop([1]) == 1
    assert [s.dedup_key for s in box.due(0.0, slots=4)] == ["client:a:1"] and 1 not in box.books


def test_a_redelivered_duplicate_of_a_waiting_step_is_not_queued_twice():
    box = outbox()
    settled = offer(box, step(0, seq=3), step(1, seq=3))
    assert [s.why for s in settled] == ["already_delivered"] and box.unsettled() == 1
