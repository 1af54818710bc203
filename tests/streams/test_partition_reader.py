"""The broker reads' threads, without a broker: a call that never returns is given up, and nothing
waits on it."""

import asyncio
import threading
import time

import pytest

from streams.partition_reader import PartitionReader, in_thread


def test_a_call_that_does_not_return_in_time_is_given_up_and_the_loop_runs_on():
    release = threading.Event()
    ticks = []

    async def main():
        async def tick():
            for _ in range(5):
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        ticker = asyncio.get_running_loop().create_task(tick())
        result = await in_thread(release.wait, 0.2, "a stuck close()")
        await ticker
        return result

    started = time.monotonic()
    assert asyncio.run(main()) is None
    assert time.monotonic() - started < 2.0
    assert len(ticks) == 5, "the event loop ran while the call was stuck"
    release.set()  # the thread left behind ends with the test


def test_an_exception_in_the_call_is_raised_to_the_awaiting_task():
    def fail():
        raise ValueError("broker said no")

    with pytest.raises(ValueError, match="broker said no"):
        asyncio.run(in_thread(fail, 1.0, "a failing call"))


def test_end_offsets_answer_none_while_a_call_left_behind_holds_the_consumer():
    reader = PartitionReader("127.0.0.1:1", "requests", timeout_s=0.1)
    reader._ends_lock.acquire()  # as a get_watermark_offsets() that never returned would
    try:
        started = time.monotonic()
        assert asyncio.run(reader.end_offsets([0, 1])) is None
        assert time.monotonic() - started < 2.0
    finally:
        reader._ends_lock.release()
