import pickle
import subprocess
import sys
from pathlib import Path

from streams.core.listed_members import CAPACITY, ListedMembers


def _filled(n: int, prefix: str = "member") -> ListedMembers:
    listed = ListedMembers()
    for i in range(n):
        listed.add(f"{prefix}-{i}")
    return listed


def test_every_member_added_is_listed_at_capacity():
    listed = _filled(CAPACITY)
    assert all(f"member-{i}" in listed for i in range(CAPACITY))


def test_members_never_added_are_rarely_taken_as_listed_at_capacity():
    listed = _filled(CAPACITY)
    false_listed = sum(f"stranger-{i}" in listed for i in range(100_000))
    assert false_listed < 100, f"{false_listed} of 100,000 strangers taken as listed (0.04% expected)"


def test_no_stranger_is_taken_as_listed_by_an_incident_of_a_thousand():
    listed = _filled(1000)
    assert not any(f"stranger-{i}" in listed for i in range(100_000))


def test_counts_each_member_once():
    listed = _filled(50)
    for i in range(50):
        listed.add(f"member-{i}")
    assert len(listed) == 50


def test_holds_no_memory_until_its_first_member_nor_after_it_is_cleared():
    listed = ListedMembers()
    assert len(pickle.dumps(listed)) < 100
    listed.add("member-1")
    listed.clear()
    assert len(pickle.dumps(listed)) < 100 and "member-1" not in listed and len(listed) == 0


def test_a_full_filter_takes_the_room_of_one_with_ten_members():
    small, full = len(pickle.dumps(_filled(10))), len(pickle.dumps(_filled(CAPACITY)))
    assert full - small <= 4, "only the count's encoding grows"
    assert small < 33 * 1024


def test_a_filter_restored_in_another_process_knows_its_members():
    # Python's hash() of a str differs per process; a snapshot restored by a restarted worker must
    # still answer for the members its incident listed
    code = (
        "import pickle, sys; from streams.core.listed_members import ListedMembers\n"
        "l = ListedMembers(); [l.add(f'member-{i}') for i in range(100)]\n"
        "sys.stdout.buffer.write(pickle.dumps(l))"
    )
    root = str(Path(__file__).resolve().parents[2])
    env = {"PYTHONHASHSEED": "random", "PYTHONPATH": root}
    written = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env).stdout
    restored = pickle.loads(written)
    assert all(f"member-{i}" in restored for i in range(100)) and len(restored) == 100
