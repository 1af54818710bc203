import random

from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from streams.core.partitioner import murmur2, partition_for


def test_murmur2_matches_aiokafka_which_matches_java():
    rng = random.Random(7)
    for _ in range(2000):
        key = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
        assert murmur2(key) & 0x7FFFFFFF == aiokafka_murmur2(key) & 0x7FFFFFFF


def test_partition_for_matches_kafka_default_partitioner():
    # aiokafka ports Java's Utils.murmur2; toPositive(h) % n is how Kafka picks the partition.
    for key in ["client-a", "org_123", "x" * 300, "ünïcode"]:
        assert partition_for(key, 6) == (aiokafka_murmur2(key.encode()) & 0x7FFFFFFF) % 6
