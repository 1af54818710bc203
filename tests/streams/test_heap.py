import subprocess
import sys

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


# In a process of its own: the threshold is the whole process's, and would stay changed for the tests
# after this one. Freeing a 4 MB mapped block makes glibc raise its threshold above 4 MB; then
# 200 KB blocks come from the heap, unless the threshold was fixed first.
MAPPED_AFTER_A_LARGE_FREE = """
import sys
from streams.heap import fix_mmap_threshold, heap_bytes
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold(128 * 1024)
large = bytearray(4_000_000)
del large
before = heap_bytes()["mapped"]
blocks = [bytearray(200_000) for _ in range(100)]
print(heap_bytes()["mapped"] - before)
"""


def _mapped_bytes_of_20_mb_in_200_kb_blocks(threshold: str) -> int:
    command = [sys.executable, "-c", MAPPED_AFTER_A_LARGE_FREE, threshold]
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(run.stdout)


def test_a_fixed_mapping_threshold_keeps_large_blocks_mapped_after_a_larger_one_was_freed():
    assert _mapped_bytes_of_20_mb_in_200_kb_blocks("fixed") >= 19_000_000


def test_glibcs_sliding_threshold_puts_them_in_the_heap_instead():
    # the behaviour the fixed threshold is there to stop: if glibc ever changes it, this says so
    assert _mapped_bytes_of_20_mb_in_200_kb_blocks("sliding") < 1_000_000
