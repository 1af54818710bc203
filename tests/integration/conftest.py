"""Integration tests run against the real Kafka broker that ``make test`` starts (``make kafka-up``).

One broker serves every test; each test isolates itself with its own app id and topic names.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from streams.settings import Settings, settings_env
from streams.stacks import BEGIN, END

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def _reachable(bootstrap: str) -> bool:
    host, port = bootstrap.split(",")[0].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def broker() -> str:
    bootstrap = Settings.from_env().bootstrap_servers
    if not _reachable(bootstrap):
        subprocess.run([str(ROOT / "infra/kafka/kafka.sh"), "up"], check=True)
    assert _reachable(bootstrap), f"no Kafka broker at {bootstrap}"
    return bootstrap


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def settings(broker: str) -> Settings:
    tag = uuid.uuid4().hex[:8]
    base = Settings.from_env()
    return replace(
        base,
        bootstrap_servers=broker,
        app_id=f"it-{tag}",
        input_topic=f"it-{tag}-requests",
        alerts_topic=f"it-{tag}-alerts",
        labels_topic=f"it-{tag}-labels",
        web_port=_free_port(),
    )


class WorkerProcess:
    """``extractwatch worker`` (or another long-running ``command``) as a real process, as an operator
    runs it."""

    def __init__(
        self, settings: Settings, log_path: Path, command: tuple[str, ...] = ("worker",), **env: str
    ):
        self.log_path = log_path
        self.is_worker = command[0] == "worker"  # only the worker writes its stacks on SIGUSR1
        self.log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", *command],
            cwd=ROOT,
            env=settings_env(settings, **env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout_s: float) -> tuple[int | None, float]:
        """SIGTERM, as an orchestrator stops a worker: the exit code (None: still running after
        ``timeout_s``, then killed) and the seconds it took."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill9()
            code = None
        return code, time.monotonic() - started

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.log.close()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def diagnosis(self, lines: int = 40) -> str:
        """What a failed wait on this process shows: its log's tail and where it stands."""
        return f"log:\n{self.tail(lines)}\nstacks:\n{self.stacks()}"

    def stacks(self, timeout_s: float = 5.0) -> str:
        """Where the running worker's threads and tasks are (SIGUSR1, ``streams.stacks``): what a
        failed wait shows beside the log's tail."""
        if not self.is_worker:
            return "(not a worker: SIGUSR1 would end it)"
        if not self.alive():
            return "(not running)"
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            begin = text.rfind(BEGIN)
            end = text.find(END, begin)
            if begin >= 0 and end >= 0:
                return text[begin : end + len(END)]
            time.sleep(0.2)
        return f"(no stacks within {timeout_s}s: the event loop is blocked)"


@pytest.fixture
def start_worker(tmp_path: Path, settings: Settings):
    workers: list[WorkerProcess] = []

    def start(**env: str) -> WorkerProcess:
        env.setdefault("EXTRACTWATCH_WEB_PORT", str(_free_port()))  # one web server per process
        worker = WorkerProcess(settings, tmp_path / f"worker-{len(workers)}.log", **env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def read_topic(settings: Settings, topic: str, idle_s: float = 3.0, timeout_s: float = 60.0) -> list:
    """Every message of ``topic`` from the beginning, until nothing new arrives for ``idle_s``."""
    c = Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    try:
        meta = c.list_topics(topic, timeout=10).topics[topic]
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions])
        out, last, deadline = [], time.monotonic(), time.monotonic() + timeout_s
        while time.monotonic() - last < idle_s and time.monotonic() < deadline:
            msg = c.poll(0.2)
            if msg is not None and not msg.error():
                out.append(msg)
                last = time.monotonic()
        return out
    finally:
        c.close()


def applied_topic(settings: Settings) -> str:
    """The topic whose offsets the detect partitions' states record: the routed topic, unless the
    input is declared murmur2-partitioned."""
    from streams.topics import routed_topic

    murmur2 = settings.detector.input_partitioner == "murmur2"
    return settings.input_topic if murmur2 else routed_topic(settings)


def committed(settings: Settings, topic: str | None = None) -> list[int]:
    """The offset the worker's consumer group has committed on each partition of ``topic`` (the input
    topic by default; 0: none yet)."""
    c = Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": settings.app_id,
            "enable.auto.commit": False,
        }
    )
    try:
        tps = [TopicPartition(topic or settings.input_topic, p) for p in range(settings.partitions)]
        return [max(tp.offset, 0) for tp in c.committed(tps, timeout=10)]
    except KafkaException as exc:
        # On a freshly started broker the group coordinator is still loading: nothing committed yet.
        if exc.args[0].retriable() or exc.args[0].code() == KafkaError.NOT_COORDINATOR:
            return [0] * settings.partitions
        raise
    finally:
        c.close()


def committed_total(settings: Settings) -> int:
    """Offsets the worker's consumer group has committed on the input topic, summed over partitions."""
    return sum(committed(settings))


def end_offsets(settings: Settings, topic: str | None = None) -> list[int]:
    """The end offset per partition of ``topic`` (the input topic by default)."""
    c = Consumer({"bootstrap.servers": settings.bootstrap_servers, "group.id": "end-offsets"})
    try:
        tps = [TopicPartition(topic or settings.input_topic, p) for p in range(settings.partitions)]
        return [c.get_watermark_offsets(tp, timeout=10)[1] for tp in tps]
    finally:
        c.close()


def group_is_stable_with(settings: Settings, members: int) -> bool:
    """The worker group has settled with ``members`` members, each holding input partitions
    (``members=0``: the group is empty, e.g. a killed worker's session has expired)."""
    from confluent_kafka import ConsumerGroupState
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    try:
        group = admin.describe_consumer_groups([settings.app_id])[settings.app_id].result(timeout=10)
    except Exception:
        return False  # not created yet
    holding = [
        m
        for m in group.members
        if any(tp.topic == settings.input_topic for tp in m.assignment.topic_partitions)
    ]
    if members == 0:
        return group.state == ConsumerGroupState.EMPTY
    return group.state == ConsumerGroupState.STABLE and len(holding) == members


def wait_for(
    condition,
    timeout_s: float,
    what: str | Callable[[], str],
    worker: WorkerProcess | None = None,
    every: float = 0.5,
):
    """Poll ``condition`` until it is truthy and return it. ``what`` names what is awaited, or is a
    function giving that name, called on failure so that it can say what was last seen."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if worker is not None and not worker.alive():
            raise AssertionError(f"worker died while waiting for {_named(what)}:\n{worker.tail()}")
        time.sleep(every)
    tail = f"\nworker {worker.diagnosis()}" if worker is not None else ""
    raise AssertionError(f"timed out after {timeout_s}s waiting for {_named(what)}{tail}")


def _named(what: str | Callable[[], str]) -> str:
    return what() if callable(what) else what


def wait_until_assigned(worker: WorkerProcess, timeout_s: float = 60) -> None:
    """Until the worker has joined its group and holds a partition: from then on it has its signal
    handlers, and a SIGTERM is a graceful stop, not the default action of a process still starting."""
    wait_for(lambda: "partition state ready" in worker.log_path.read_text(), timeout_s, "a partition", worker)


def held_still(read, quiet_s: float):
    """A condition for ``wait_for``: true once ``read()`` has given the same value for ``quiet_s``
    seconds (e.g. a worker's books once its timers have nothing left to write)."""
    seen = {"value": object(), "since": 0.0}

    def still() -> bool:
        value, now = read(), time.monotonic()
        if value != seen["value"]:
            seen.update(value=value, since=now)
        return now - seen["since"] >= quiet_s

    return still


def alerts_of(settings: Settings) -> list[dict]:
    return [orjson.loads(m.value()) for m in read_topic(settings, settings.alerts_topic, idle_s=1.0)]
