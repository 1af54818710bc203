import pytest

from streams.heap import heap_bytes

pytestmark = pytest.mark.skipif(heap_bytes() is None, reason="glibc's mallinfo2 only (CI's Debian has it)")


def test_blocks_below_the_mapping_threshold_count_as_in_use_until_freed():
    before = heap_bytes()
    blocks = [bytearray(100_000) for _ in range(200)]  # 20 MB in blocks smaller than glibc's 128 KiB
    held = heap_bytes()
    del blocks
    after = heap_bytes()
    assert held["in_use"] - before["in_use"] >= 19_000_000
    assert held["in_use"] - after["in_use"] >= 19_000_000
