"""``make soak``: a worker under steady load for an hour, with clients coming and going.

A real ``extractwatch worker`` process reads fresh topics of its own while this module produces a
steady rate of schema-v1 events stamped with the wall clock. The client population churns: each
client lives ``lifetime_s`` on average and is replaced by a new one, so without expiry the state
would grow for ever. Client expiry is shortened (``expiry_s``) so that it starts within the run, and
so is the allowed lateness (``lateness_s``): the cluster stage holds that much event time of
observations in open buckets (an hour by default: about 45 MB a minute at 1,000 events/s).

Lives are short beside the run (2 min on average, 1,000 clients active at 1 event/s each). The
run starts with a past: the first clients have already lived a steady population's ages, and their
earlier events are produced, in time order, before the steady rate begins (``Population.past``).
So the clients tracked when expiry starts are a steady population's, not one born at once.

Every ``sample_s`` it scrapes the worker's ``/metrics`` and reads its RSS, and writes one row of
``soak.csv``: RSS, lag, the summed size of the input partitions' last snapshots and the clients
tracked, the seconds the garbage collector has run so far, and the C heap's bytes in use and free.
At the end, ``soak.png`` plots the first four (the heap's under RSS), and ``soak.json`` holds each
one's change over the part of the run after expiry started (flat: within ``FLAT_SHARE`` of its
value there).

Events are pre-hashed (``prompt_sha256``, ``prompt_simhash``): the producer shares the two cores
with the worker and must not be what limits the rate.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import orjson
from confluent_kafka import Producer

from streams.progress import Progress
from streams.settings import Settings, settings_env
from streams.topics import ensure_topics

FLAT_SHARE = 0.10  # a series is flat when it grows by less than this share after expiry starts...
LAG_BOUND_S = 5.0  # ...and the lag, when it stays under this many seconds of traffic
SERIES = ("rss_mb", "lag", "snapshot_mb", "clients")  # judged flat or not
# ...and the seconds the garbage collector has run so far (all generations, and full collections):
# where the event loop stood still for it; and the C heap's bytes in use and free (``streams.heap``):
# RSS that grows with the free bytes, the in-use ones flat, is fragmentation
COLUMNS = ("minute", *SERIES, "gc_s", "gc_full_s", "heap_in_use_mb", "heap_free_mb")
MODELS = ("frontier-large", "frontier-small", "coder-1")
ENDPOINTS = ("/v1/messages", "/v1/chat/completions")


@dataclass
class Population:
    """Active clients; each lives ``lifetime_s`` on average (exponential), then a new one replaces it.

    >>> population = Population(size=3, lifetime_s=120.0, rng=random.Random(1))
    >>> population.fill(1000.0)
    >>> past = population.past(1000.0, rate=3.0)
    >>> all(ts < 1000.0 for ts, _, _ in past), [ts for ts, _, _ in past] == sorted(ts for ts, _, _ in past)
    (True, True)
    """

    size: int
    lifetime_s: float
    rng: random.Random

    def __post_init__(self) -> None:
        self.born = 0
        self.clients: list[tuple[str, float]] = []  # (client_id, dies_at)

    def fill(self, now: float) -> None:
        self.clients = [c for c in self.clients if c[1] > now]
        while len(self.clients) < self.size:
            self.born += 1
            self.clients.append((f"soak_{self.born:08d}", now + self.rng.expovariate(1 / self.lifetime_s)))

    def past(self, now: float, rate: float) -> list[tuple[float, str, bytes]]:
        """The events the clients alive at ``now`` sent before it, in time order: each has already
        lived an exponential age, as in a population that has always churned (lives are memoryless,
        so its remaining life is exponential too). Without a past, every client is born at the
        start; the clients tracked once expiry starts are then those that died in the run's first
        ``expiry`` and, cut short by the start, they have fewer events (and keys) than a steady
        population's: the state grows on for some lifetimes after expiry starts."""
        per_client = rate / self.size
        out = []
        for client_id, _dies_at in self.clients:
            ts = now - self.rng.expovariate(1 / self.lifetime_s)
            while (ts := ts + self.rng.expovariate(per_client)) < now:
                out.append((ts, client_id, self._event(client_id, ts, f"{client_id}-past-{len(out)}")))
        out.sort(key=lambda e: e[0])
        return out

    def event(self, now: float, n: int) -> tuple[str, bytes]:
        client_id = self.rng.choice(self.clients)[0]
        return client_id, self._event(client_id, now, f"{client_id}-{n}")

    def _event(self, client_id: str, ts: float, event_id: str) -> bytes:
        rng = self.rng
        return orjson.dumps(
            {
                "event_id": event_id,
                "ts": round(ts, 3),
                "client_id": client_id,
                "api_key_id": f"key_{client_id}",
                "ip": f"198.51.{rng.randrange(256)}.{rng.randrange(256)}",
                "model": rng.choice(MODELS),
                "endpoint": rng.choice(ENDPOINTS),
                "prompt_tokens": rng.randrange(20, 2000),
                "completion_tokens": rng.randrange(10, 1500),
                "status": 200 if rng.random() > 0.02 else 429,
                "prompt_sha256": f"{rng.getrandbits(256):064x}",
                "prompt_simhash": f"{rng.getrandbits(64):016x}",
            },
        )


def scrape(port: int) -> dict[str, float] | None:
    """Sums of the /metrics series the soak follows; None when the worker did not answer in time (a
    busy event loop): the sample is left empty, not counted as zero."""
    wanted = {
        "extractwatch_lag": 0.0,
        "extractwatch_clients_tracked": 0.0,
        "snapshot_bytes": 0.0,
        "gc_s": 0.0,
        "gc_full_s": 0.0,
        "heap_in_use": 0.0,
        "heap_free": 0.0,
    }
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        name = series.split("{", 1)[0]
        if name in ("extractwatch_lag", "extractwatch_clients_tracked"):
            wanted[name] += float(value)
        elif name == "extractwatch_snapshot_bytes" and 'stage="detect"' in series:
            wanted["snapshot_bytes"] += float(value)
        elif name == "extractwatch_gc_seconds_total":
            wanted["gc_s"] += float(value)
            if 'generation="2"' in series:
                wanted["gc_full_s"] += float(value)
        elif name == "extractwatch_heap_bytes":  # mapped blocks count as in use: they are, until freed
            wanted["heap_free" if 'kind="free"' in series else "heap_in_use"] += float(value)
    return wanted


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def flatness(rows: list[dict], expiry_starts_min: float, rate: float) -> dict[str, dict]:
    """Each series' value when expiry has started, its peak after that and its end, and whether it
    stayed flat: grew by less than ``FLAT_SHARE`` (the lag: stayed under ``LAG_BOUND_S`` of traffic).

    >>> rows = [{"minute": m, "rss_mb": 100 + m, "lag": 0, "snapshot_mb": 1, "clients": 5} for m in range(20)]
    >>> {name: s["flat"] for name, s in flatness(rows, 10, rate=100).items()}
    {'rss_mb': True, 'lag': True, 'snapshot_mb': True, 'clients': True}
    >>> flatness(rows, 19.5, rate=100)["rss_mb"]["flat"] is None
    True
    """
    out: dict[str, dict] = {}
    for name in SERIES:
        after = [r[name] for r in rows if r["minute"] >= expiry_starts_min and r[name] is not None]
        if len(after) < 2:
            out[name] = {"flat": None, "why": "the run ended before expiry started"}
            continue
        first, peak = after[0], max(after)
        flat = peak <= rate * LAG_BOUND_S if name == "lag" else peak - first <= FLAT_SHARE * first
        out[name] = {"at_expiry_start": first, "peak": peak, "end": after[-1], "flat": flat}
    return out


def plot(rows: list[dict], expiry_starts_min: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 1, figsize=(8, 9), sharex=True)
    titles = {
        "rss_mb": "worker RSS (MB)",
        "lag": "lag (records)",
        "snapshot_mb": "snapshots (MB)",
        "clients": "clients tracked",
    }
    for ax, name in zip(axes, SERIES, strict=True):
        shown = [r for r in rows if r[name] is not None]
        ax.plot([r["minute"] for r in shown], [r[name] for r in shown], marker=".", label=name)
        if name == "rss_mb":  # what of it is the C heap's, in use and free
            for part in ("heap_in_use_mb", "heap_free_mb"):
                ax.plot([r["minute"] for r in shown], [r[part] for r in shown], linewidth=0.8, label=part)
            ax.legend(loc="lower right", fontsize="small")
        ax.axvline(expiry_starts_min, color="grey", linestyle="--", linewidth=0.8)
        ax.set_ylabel(titles[name])
        ax.set_ylim(bottom=0)
    axes[-1].set_xlabel("minutes (dashed: client expiry starts)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> dict:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app_id = f"soak-{uuid.uuid4().hex[:8]}"
    base = Settings.from_env()
    settings = Settings.from_env(
        app_id=app_id,
        input_topic=f"{app_id}-requests",
        alerts_topic=f"{app_id}-alerts",
        labels_topic=f"{app_id}-labels",
    )
    ensure_topics(settings)
    port = args.port or base.web_port + 100
    env = settings_env(
        replace(settings, web_port=port),
        EXTRACTWATCH_DETECTOR_CLIENT_IDLE_EXPIRY_S=str(args.expiry_s),
        EXTRACTWATCH_DETECTOR_ALLOWED_LATENESS_S=str(args.lateness_s),
    )
    log = (out / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    producer = Producer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "partitioner": "murmur2_random",
            "linger.ms": 20,
            "enable.idempotence": True,  # the past comes in time order: a retry must not reorder it
        }
    )
    population = Population(args.clients, args.lifetime_s, random.Random(args.seed))
    start = time.time()
    population.fill(start)
    past = population.past(start, args.rate)
    for _ts, client_id, value in past:
        while True:
            try:
                producer.produce(settings.input_topic, value, key=client_id.encode())
                break
            except BufferError:  # the client's queue is full: let the broker take some first
                producer.poll(0.5)
    rows: list[dict] = []
    started = time.monotonic()
    duration_s = args.minutes * 60
    progress = Progress("soak seconds", int(duration_s))
    sent, next_sample, shown = 0, args.sample_s, 0
    signal.signal(signal.SIGTERM, _interrupt)  # a stopped soak still stops its worker and writes
    elapsed = 0.0
    try:
        while (elapsed := time.monotonic() - started) < duration_s:
            if worker.poll() is not None:
                raise SystemExit(f"the worker exited with {worker.returncode}: see {out / 'worker.log'}")
            now = time.time()
            population.fill(now)
            due = int(elapsed * args.rate) - sent
            for _ in range(due):
                client_id, value = population.event(now, sent)
                producer.produce(settings.input_topic, value, key=client_id.encode())
                sent += 1
            producer.poll(0)
            if elapsed >= next_sample:
                metrics = scrape(port)
                rows.append(
                    {
                        "minute": round(elapsed / 60, 2),
                        "rss_mb": round(rss_mb(worker.pid), 1),
                        "lag": metrics and metrics["extractwatch_lag"],
                        "snapshot_mb": metrics and round(metrics["snapshot_bytes"] / 1e6, 3),
                        "clients": metrics and metrics["extractwatch_clients_tracked"],
                        "gc_s": metrics and round(metrics["gc_s"], 3),
                        "gc_full_s": metrics and round(metrics["gc_full_s"], 3),
                        "heap_in_use_mb": metrics and round(metrics["heap_in_use"] / 1e6, 1),
                        "heap_free_mb": metrics and round(metrics["heap_free"] / 1e6, 1),
                    }
                )
                next_sample += args.sample_s
            progress.advance(int(elapsed) - shown)
            shown = int(elapsed)
            time.sleep(0.05)
        producer.flush(30)
    except KeyboardInterrupt:
        print(f"stopped after {elapsed / 60:.1f} min", file=sys.stderr)
    finally:
        progress.close()
        worker.terminate()
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
    # Clients die from the start (exponential lifetimes); one is forgotten once the watermark, the
    # highest event time less the allowed lateness, has passed its last event by the expiry.
    expiry_starts_min = (args.expiry_s + args.lateness_s) / 60
    with (out / "soak.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, expiry_starts_min, out / "soak.png")
    summary = {
        "minutes": args.minutes,
        "rate_per_s": args.rate,
        "events_sent": sent,
        "past_events": len(past),
        "clients_born": population.born,
        "expiry_s": args.expiry_s,
        "lateness_s": args.lateness_s,
        "lifetime_s": args.lifetime_s,
        "expiry_starts_minute": expiry_starts_min,
        "series": flatness(rows, expiry_starts_min, args.rate),
    }
    (out / "soak.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m streams.soak", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=60.0)
    p.add_argument("--rate", type=float, default=1000.0, help="events a second")
    p.add_argument("--clients", type=int, default=1000, help="clients active at any time")
    p.add_argument("--lifetime-s", type=float, default=120.0, help="mean life of a client")
    p.add_argument("--expiry-s", type=float, default=600.0, help="client expiry (event time)")
    p.add_argument(
        "--lateness-s",
        type=float,
        default=300.0,
        help="allowed lateness: the cluster stage holds this much event time of observations",
    )
    p.add_argument("--sample-s", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--port", type=int, default=0, help="the worker's web port (default: EXTRACTWATCH_WEB_PORT+100)"
    )
    p.add_argument("--out", default="docs/soak")
    summary = run(p.parse_args(argv))
    for name, series in summary["series"].items():
        print(f"{name:12} {series}")
    return 0 if all(s.get("flat") for s in summary["series"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
