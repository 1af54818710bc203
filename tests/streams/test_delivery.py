"""Delivery repair without a broker: a fake group consumer and a fake broker drive every case."""

from __future__ import annotations

import asyncio

from streams.core.stage import InputRecord
from streams.delivery import Delivered, Delivery, Run


class FakeConsumer:
    def __init__(self, partitions=(0, 1)):
        self.partitions = set(partitions)
        self.gen = 1
        self.active = True

    def is_active(self) -> bool:
        return self.active

    def assigned(self) -> set[int]:
        return set(self.partitions) if self.active else set()

    def generation(self) -> int:
        return self.gen


class FakeBroker:
    """Every partition's log is offsets 0..length-1, minus ``absent`` ones (transaction markers).
    A read of a partition listed in ``gates`` waits until its gate is set."""

    def __init__(self, length: int = 100, absent: set[int] = frozenset()):
        self.length = length
        self.absent = absent
        self.gates: dict[int, asyncio.Event] = {}
        self.reads: list[tuple[int, int, int]] = []
        self.fail = False

    async def read(self, partition, start, end):
        self.reads.append((partition, start, end))
        if partition in self.gates:
            await self.gates[partition].wait()
        if self.fail:
            return None
        return [record(o) for o in range(start, min(end, self.length)) if o not in self.absent]

    async def end_offsets(self, partitions):
        return {p: self.length for p in partitions}


def record(offset: int) -> InputRecord:
    return InputRecord(offset, float(offset), b"%d" % offset)


def delivered(*offsets: int, generation: int = 1) -> list[Delivered]:
    return [Delivered(o, float(o), b"%d" % o, generation, ack=o) for o in offsets]


class Sink:
    """The lane's side: applies runs to a next-offset per partition, as a partition state does."""

    def __init__(self):
        self.next: dict[int, int] = {}
        self.runs: dict[int, list[Run]] = {}

    def next_offset(self, partition: int) -> int:
        return self.next.get(partition, 0)

    async def apply(self, partition: int, run: Run) -> bool:
        self.runs.setdefault(partition, []).append(run)
        self.next[partition] = run.next_offset
        return True

    def offsets(self, partition: int) -> list[int]:
        return [r.offset for run in self.runs.get(partition, []) for r in run.records]

    def acks(self, partition: int) -> list[int]:
        return [a for run in self.runs.get(partition, []) for a in run.acks]


def make(consumer=None, broker=None, quiet_s=60.0, take_max=1000):
    sink = Sink()
    delivery = Delivery(
        consumer or FakeConsumer(),
        broker or FakeBroker(),
        sink.next_offset,
        sink.apply,
        take_max=take_max,
        quiet_s=quiet_s,
    )
    return delivery, sink


def run(coro):
    return asyncio.run(coro)


async def deliver_then_look_at_tails(delivery, partition: int, batch: list[Delivered]) -> None:
    """Faust hands over ``batch``; then the timer looks for stalled tails; all is handed on."""
    await delivery.deliver(partition, batch)
    await delivery.drain()
    await delivery.check_tails()
    await delivery.drain()


def test_records_in_order_are_handed_on_as_delivered():
    async def go():
        delivery, sink = make()
        await delivery.deliver(0, delivered(0, 1, 2))
        await delivery.deliver(0, delivered(3, 4))
        await delivery.drain()
        await delivery.close()
        return sink, delivery

    sink, delivery = run(go())
    assert sink.offsets(0) == [0, 1, 2, 3, 4] and sink.acks(0) == [0, 1, 2, 3, 4]
    assert delivery.counters["holes_read"] == 0


def test_a_hole_before_a_delivered_record_is_read_from_the_broker():
    async def go():
        broker = FakeBroker()
        delivery, sink = make(broker=broker)
        await delivery.deliver(0, delivered(0, 1))
        await delivery.deliver(0, delivered(5, 6))
        await delivery.drain()
        await delivery.close()
        return sink, broker

    sink, broker = run(go())
    assert sink.offsets(0) == [0, 1, 2, 3, 4, 5, 6]
    assert broker.reads == [(0, 2, 5)]
    assert sink.acks(0) == [0, 1, 5, 6], "only Faust's own deliveries are acked"


def test_records_of_an_older_generation_are_dropped():
    async def go():
        consumer = FakeConsumer()
        delivery, sink = make(consumer=consumer)
        consumer.gen = 2
        await delivery.deliver(0, delivered(0, 1, generation=1) + delivered(0, generation=2))
        await delivery.drain()
        await delivery.close()
        return sink, delivery

    sink, delivery = run(go())
    assert sink.offsets(0) == [0]
    assert delivery.counters["dropped_after_rebalance"] == 2


def test_records_already_applied_are_not_handed_on_again():
    async def go():
        delivery, sink = make()
        sink.next[0] = 3
        await delivery.deliver(0, delivered(1, 2, 3, 4))
        await delivery.drain()
        await delivery.close()
        return sink, delivery

    sink, delivery = run(go())
    assert sink.offsets(0) == [3, 4] and delivery.counters["redelivered"] == 2


def test_a_quiet_partition_reads_the_tail_it_never_received():
    async def go():
        broker = FakeBroker(length=10)
        delivery, sink = make(broker=broker, quiet_s=0.0)
        await deliver_then_look_at_tails(delivery, 0, delivered(0, 1, 2))
        await delivery.close()
        return sink, delivery

    sink, delivery = run(go())
    assert sink.offsets(0) == list(range(10))
    assert sink.offsets(1) == list(range(10)), "an assigned partition that never received a record"
    assert delivery.counters["stalled_reads"] == 2


def test_a_tail_is_read_a_take_at_a_time():
    async def go():
        delivery, sink = make(broker=FakeBroker(length=10), quiet_s=0.0, take_max=4)
        for _tick in range(2):
            await delivery.check_tails()
            await delivery.drain()
        await delivery.close()
        return sink

    assert run(go()).offsets(0) == list(range(8))


def test_a_partition_still_receiving_is_not_read_behind_faust():
    async def go():
        broker = FakeBroker(length=10)
        delivery, sink = make(broker=broker, quiet_s=60.0)
        await deliver_then_look_at_tails(delivery, 0, delivered(0, 1, 2))
        await delivery.close()
        return sink, broker

    sink, broker = run(go())
    assert sink.offsets(0) == [0, 1, 2] and broker.reads == []


def test_transaction_markers_at_the_tail_are_passed():
    async def go():
        delivery, sink = make(FakeConsumer({0}), FakeBroker(length=6, absent={4, 5}), quiet_s=0.0)
        await deliver_then_look_at_tails(delivery, 0, delivered(0, 1, 2, 3))
        tails_before = delivery.counters["stalled_reads"]
        await delivery.check_tails()  # nothing left to read: the partition can go idle
        await delivery.drain()
        await delivery.close()
        return sink, delivery, tails_before

    sink, delivery, tails_before = run(go())
    assert sink.next[0] == 6 and sink.offsets(0) == [0, 1, 2, 3]
    assert delivery.counters["offsets_absent"] == 2
    assert delivery.counters["stalled_reads"] == tails_before == 1


def test_a_read_that_times_out_hands_nothing_on_and_is_tried_again():
    async def go():
        broker = FakeBroker(length=10)
        delivery, sink = make(broker=broker, quiet_s=0.0)
        broker.fail = True
        await delivery.deliver(0, delivered(0, 4))
        await delivery.drain()
        failed = sink.offsets(0)
        broker.fail = False
        await delivery.check_tails()
        await delivery.drain()
        await delivery.close()
        return sink, delivery, failed

    sink, delivery, failed = run(go())
    assert failed == [] and delivery.counters["read_timeouts"] == 1
    assert sink.offsets(0) == list(range(10))
    assert sink.acks(0) == [], "Faust's copies were not applied: nothing of theirs to ack"


def test_a_hole_read_of_one_partition_does_not_stall_another():
    async def go():
        broker = FakeBroker()
        broker.gates[0] = asyncio.Event()
        delivery, sink = make(broker=broker)
        await delivery.deliver(0, delivered(3))  # a hole [0, 3): the read waits at its gate
        await delivery.deliver(1, delivered(0, 1))
        await delivery.deliver(1, delivered(2))
        await asyncio.wait_for(delivery.feeds[1].queue.join(), 1.0)
        stalled = (sink.offsets(0), sink.offsets(1))
        broker.gates[0].set()
        await delivery.drain()
        await delivery.close()
        return stalled, sink

    (zero_while_reading, one_while_reading), sink = run(go())
    assert zero_while_reading == [] and one_while_reading == [0, 1, 2]
    assert sink.offsets(0) == [0, 1, 2, 3]


def test_a_partition_revoked_while_its_read_is_awaited_hands_nothing_on():
    async def go():
        broker = FakeBroker()
        broker.gates[0] = asyncio.Event()
        consumer = FakeConsumer()
        delivery, sink = make(consumer=consumer, broker=broker)
        await delivery.deliver(0, delivered(3))
        await asyncio.sleep(0.01)  # the task is now awaiting the read
        assert broker.reads == [(0, 0, 3)]
        consumer.partitions.discard(0)
        delivery.revoke({0})
        broker.gates[0].set()
        await asyncio.sleep(0.01)
        await delivery.close()
        return sink

    assert run(go()).offsets(0) == []


def test_a_rebalance_in_progress_hands_nothing_on():
    async def go():
        consumer = FakeConsumer()
        delivery, sink = make(consumer=consumer, quiet_s=0.0)
        consumer.active = False
        await delivery.deliver(0, delivered(0, 1))
        await delivery.check_tails()
        await delivery.drain()
        await delivery.close()
        return sink, delivery

    sink, delivery = run(go())
    assert sink.offsets(0) == [] and delivery.counters["dropped_after_rebalance"] == 2


def test_a_partition_with_a_full_queue_makes_its_deliverer_wait():
    async def go():
        broker = FakeBroker()
        broker.gates[0] = asyncio.Event()
        sink = Sink()
        delivery = Delivery(
            FakeConsumer(), broker, sink.next_offset, sink.apply, take_max=10, quiet_s=60.0, max_batches=1
        )
        await delivery.deliver(0, delivered(5))  # taken by the task, which waits on the read
        await asyncio.sleep(0.01)
        await delivery.deliver(0, delivered(6))  # fills the queue
        blocked = asyncio.create_task(delivery.deliver(0, delivered(7)))
        await asyncio.sleep(0.05)
        waited = not blocked.done()
        broker.gates[0].set()
        await asyncio.wait_for(blocked, 1.0)
        await delivery.drain()
        await delivery.close()
        return waited, sink

    waited, sink = run(go())
    assert waited and sink.offsets(0) == list(range(8))


def test_a_stopping_delivery_hands_on_what_it_holds_and_takes_nothing_more():
    async def go():
        broker = FakeBroker()
        broker.gates[0] = asyncio.Event()
        delivery, sink = make(broker=broker, quiet_s=0.0)
        await delivery.deliver(0, delivered(2))  # waits on its hole read
        finishing = asyncio.create_task(delivery.finish())
        await asyncio.sleep(0.01)
        await delivery.deliver(0, delivered(3))
        await delivery.check_tails()
        broker.gates[0].set()
        await asyncio.wait_for(finishing, 1.0)
        await delivery.close()
        return sink, broker

    sink, broker = run(go())
    assert sink.offsets(0) == [0, 1, 2] and broker.reads == [(0, 0, 2)]


def test_a_job_in_hand_is_timed_until_it_ends():
    async def go():
        broker = FakeBroker()
        broker.gates[0] = asyncio.Event()  # the hole read of partition 0 hangs until set
        delivery, _sink = make(broker=broker)
        await delivery.deliver(0, delivered(5))
        await delivery.deliver(1, delivered(0))
        await asyncio.sleep(0.05)
        in_hand = delivery.job_seconds()
        broker.gates[0].set()
        await delivery.drain()
        return in_hand, delivery.job_seconds()

    in_hand, after = run(go())
    assert list(in_hand) == [0] and in_hand[0] >= 0.04, "partition 1's job ended; 0's hole read is in hand"
    assert after == {}
