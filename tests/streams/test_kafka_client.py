"""The broker-free part of the project's Kafka clients: asking a partition's offsets."""

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from streams.kafka_client import watermarks


class LeaderlessFor:
    """A consumer whose partition has no leader for the first ``failures`` questions (stand-in for
    a broker's answer moments after a topic is created: no broker state to set up here)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.asked = 0

    def get_watermark_offsets(self, tp: TopicPartition, timeout: float) -> tuple[int, int]:
        self.asked += 1
        if self.asked <= self.failures:
            raise KafkaException(KafkaError(KafkaError.NOT_LEADER_FOR_PARTITION))
        return 0, 42


def test_watermarks_asks_again_until_the_partition_has_a_leader():
    c = LeaderlessFor(failures=2)
    assert watermarks(c, TopicPartition("t", 0), timeout=5.0, retry_every=0.01) == (0, 42)
    assert c.asked == 3


def test_watermarks_raises_the_brokers_error_once_its_timeout_has_passed():
    c = LeaderlessFor(failures=10**6)
    with pytest.raises(KafkaException) as raised:
        watermarks(c, TopicPartition("t", 0), timeout=0.05, retry_every=0.01)
    assert raised.value.args[0].code() == KafkaError.NOT_LEADER_FOR_PARTITION
    assert 2 <= c.asked <= 10
