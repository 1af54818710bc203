"""The ``extractwatch`` command. Every subcommand reads the same settings (``EXTRACTWATCH_*``)."""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from streams.errors import ExtractwatchError, InputFileError
from streams.gc_tuning import set_young_threshold
from streams.settings import Settings

_DURATION = re.compile(r"^(-?\d+(?:\.\d+)?)([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """Seconds from ``90``, ``30m``, ``2h`` or ``1d``."""
    match = _DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (use 90, 30m, 2h, 1d)")
    return float(match.group(1)) * _UNITS[match.group(2)]


def point_in_time(text: str) -> float:
    """Epoch seconds from an RFC 3339 time, epoch seconds, or an offset from now such as ``-2h``."""
    if text.startswith("-"):
        return time.time() + duration(text)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (RFC 3339, epoch seconds or -2h)") from exc


def _open_in(path: str):
    return sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115


def _open_out(path: str):
    return sys.stdout.buffer if path == "-" else open(path, "wb")  # noqa: SIM115


def cmd_worker(settings: Settings, _args: argparse.Namespace) -> int:
    from streams.worker import run_worker

    sys.argv = [sys.argv[0]]  # Faust's worker parses argv itself
    run_worker(settings)
    return 0


def cmd_detect(settings: Settings, args: argparse.Namespace) -> int:
    from streams.detect import detect
    from streams.label import read_verdicts

    verdicts = read_verdicts(Path(args.verdicts)) if args.verdicts else []
    with _open_in(args.input) as src:
        out = _open_out(args.output)
        try:
            detector = detect(settings, src, out, verdicts)
        finally:
            out.flush()
            if out is not sys.stdout.buffer:
                out.close()
    if detector.dead_letters:
        reasons: dict[str, int] = {}
        for dead in detector.dead_letters:
            reasons[dead.reason] = reasons.get(dead.reason, 0) + 1
        print(f"rejected: {reasons}", file=sys.stderr)
    if detector.drifts:
        print(f"drift: {len(detector.drifts)} changes in the risk stream (ADWIN)", file=sys.stderr)
    return 0


def cmd_label(settings: Settings, args: argparse.Namespace) -> int:
    from streams.label import publish_verdict

    ts = args.ts if args.ts is not None else time.time()
    publish_verdict(settings, args.client_id, args.label, ts, args.note)
    print(f"published: {args.client_id} is {args.label} from ts {ts:.0f}", file=sys.stderr)
    return 0


def cmd_simulate(settings: Settings, args: argparse.Namespace) -> int:
    from streams.simulate.cli import simulate_to_file, simulate_to_topic

    start = args.start if args.start is not None else time.time() - args.duration
    if args.output:
        output = Path(args.output)
        labels = Path(args.labels) if args.labels else output.with_suffix(".labels.csv")
        n = simulate_to_file(args.seed, start, args.duration, output, labels, args.scale)
        print(f"wrote {n} events to {output} and labels to {labels}", file=sys.stderr)
    else:
        labels = Path(args.labels) if args.labels else None
        n = simulate_to_topic(
            settings, args.seed, start, args.duration, args.topic, labels, args.realtime, args.scale
        )
        print(f"published {n} events", file=sys.stderr)
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from streams.evaluation.evaluate import Plan, evaluate
    from streams.evaluation.sources import Feedback

    if (args.input is None) != (args.labels is None):
        raise InputFileError("--input and --labels go together: events JSONL and its labels CSV")
    feedback = None
    if args.feedback_share is not None:
        if not 0 < args.feedback_share < 1:
            raise InputFileError("--feedback-share is a share of the accounts: between 0 and 1")
        feedback = Feedback(args.feedback_share, args.label_delay, args.feedback_seed)
    plan = Plan(
        seeds=tuple(args.seeds),
        duration=args.duration,
        scale=args.scale,
        independent_seeds=tuple(args.independent_seeds),
        independent_scale=args.independent_scale,
        ablation_seed=args.ablation_seed,
        ablation_duration=args.ablation_duration,
        ablation_scale=args.ablation_scale,
        own=(args.input, args.labels) if args.input else None,
        feedback=feedback,
    )
    text, met = evaluate(settings, Path(args.out), plan, args.jobs)
    print(text)
    return 1 if args.check and not met else 0


def seeds(text: str) -> list[int]:
    """
    >>> seeds("1,2,3"), seeds("101-104,7")
    ([1, 2, 3], [101, 102, 103, 104, 7])
    """
    out: list[int] = []
    try:
        for part in (p.strip() for p in text.split(",")):
            if "-" in part:
                first, last = (int(v) for v in part.split("-", 1))
                out.extend(range(first, last + 1))
            elif part:
                out.append(int(part))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of seeds: {text!r} (use 1,2,3 or 101-199)") from exc
    return out


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    from streams.training import TRAINING_SEEDS, train_on_file, train_on_seeds

    if (args.input is None) != (args.labels is None):
        raise InputFileError("--input and --labels go together: events JSONL and its labels CSV")
    if args.input:
        prior = train_on_file(Path(args.input), Path(args.labels), settings.detector, args.learner)
    else:
        seeds = args.seeds or TRAINING_SEEDS
        prior = train_on_seeds(seeds, args.duration, args.scale, settings.detector, args.jobs, args.learner)
    out = Path(args.out)
    out.write_bytes(prior.dumps())
    print(
        f"wrote {out}: {prior.name}, {prior.examples} examples from {prior.accounts} accounts "
        f"({prior.trained_on})",
        file=sys.stderr,
    )
    return 0


def cmd_produce(settings: Settings, args: argparse.Namespace) -> int:
    from streams.produce import publish

    with _open_in(args.input) as src:
        report = publish(settings, src, args.topic, args.batch)
    print(f"published {report.events} events in {report.messages} messages", file=sys.stderr)
    if report.failed:
        print(f"FAILED: {report.failed} messages not delivered: {report.errors}", file=sys.stderr)
        return 1
    return 0


def cmd_alerts(settings: Settings, args: argparse.Namespace) -> int:
    from streams.alerts import format_text, read_alerts

    for alert in read_alerts(settings, args.topic, args.follow, args.from_beginning):
        line = format_text(alert) if args.format == "text" else orjson.dumps(alert).decode()
        print(line, flush=True)
    return 0


def cmd_bridge_pagerduty(settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from streams.bridge.pagerduty import PagerDutyBridge, routing_key

    overrides = {k: v for k, v in (("url", args.url), ("group", args.group)) if v}
    settings = replace(settings, pagerduty=replace(settings.pagerduty, **overrides))
    key = routing_key(settings, args.routing_key_file)
    return PagerDutyBridge(settings, key, args.topic, args.from_beginning).run()


def cmd_pagerduty_sim(_settings: Settings, args: argparse.Namespace) -> int:
    from streams.pagerduty_sim import run

    return run(args.host, args.port, rate_limit_per_minute=args.rate_limit)


def cmd_state_export(settings: Settings, args: argparse.Namespace) -> int:
    from streams.state_export import export

    data = export(settings, args.partition, args.raw)
    out = _open_out(args.output)
    try:
        out.write(data)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    return 0


def cmd_replay(_settings: Settings, args: argparse.Namespace) -> int:
    import os

    from streams.replay import FileSink, TopicSink, Window, replay_from_snapshots, replay_topic, settings_with

    settings = settings_with(dict(os.environ), Path(args.config) if args.config else None, args.model)
    window = Window(args.start, args.end)
    if args.topic and not args.fresh:
        raise InputFileError("--topic goes with --fresh: snapshots resume the live input topic")
    if args.output:
        sink = FileSink(_open_out(args.output))
    else:
        sink = TopicSink(settings, args.output_topic)
        print(f"replay alerts to topic {sink.topic}", file=sys.stderr)
    if args.fresh:
        replay_topic(settings, args.topic or settings.input_topic, window, sink, args.client)
    else:
        mark = _snapshot_mark(args.from_snapshot) if args.from_snapshot else None
        replay_from_snapshots(settings, window, sink, args.client, mark)
    return 0


def _snapshot_mark(snapshot_id: str) -> float:
    """A snapshot id (``detect-3@1795770000``) or its mark: every stage resumes at that mark."""
    try:
        return float(snapshot_id.rsplit("@", 1)[-1])
    except ValueError as exc:
        raise InputFileError(
            f"not a snapshot id: {snapshot_id!r} (see `extractwatch state snapshots`)"
        ) from exc


def cmd_backtest(_settings: Settings, args: argparse.Namespace) -> int:
    import os

    from streams.backtest import backtest_topic, dump_json, format_report
    from streams.replay import Window

    report = backtest_topic(
        dict(os.environ),
        Path(args.baseline),
        Path(args.candidate),
        Window(args.start, args.end),
        args.warmup,
        args.topic,
        Path(args.labels) if args.labels else None,
    )
    print(format_report(report))
    if args.json:
        dump_json(report, Path(args.json))
    return 0


def cmd_state_snapshots(settings: Settings, args: argparse.Namespace) -> int:
    from streams.snapshot_store import list_cuts

    cuts = list_cuts(settings, args.partition)
    print(f"{'ID':<34} {'STAGE':<8} {'PARTITION':>9} {'WATERMARK':<20} {'OFFSET':>10} {'BYTES':>10} VERDICTS")
    for c in cuts:
        when = datetime.fromtimestamp(c.watermark, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(
            f"{c.id:<34} {c.stage:<8} {c.partition:>9} {when:<20} {c.offset:>10} {c.bytes:>10} {c.verdicts}"
        )
    print(f"{len(cuts)} snapshots", file=sys.stderr)
    return 0


def cmd_dlq_resend(settings: Settings, args: argparse.Namespace) -> int:
    from streams.dlq import resend

    reasons = set(args.reason) if args.reason else None
    report = resend(settings, reasons, args.since, args.dry_run, args.force)
    print(report.line(args.dry_run))
    return 1 if report.failed else 0


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    from streams.bench.cli import main

    return main(settings, args.quick)


def cmd_topics(settings: Settings, _args: argparse.Namespace) -> int:
    from streams.topics import ensure_topics

    created = ensure_topics(settings)
    print(f"created: {', '.join(created) if created else 'nothing (all present)'}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="extractwatch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("worker", help="run the Faust stream worker").set_defaults(func=cmd_worker)

    p = sub.add_parser("detect", help="run the core over events JSONL without Kafka; alerts JSONL out")
    p.add_argument("--input", required=True, help="events JSONL file, or - for stdin")
    p.add_argument("--output", default="-", help="alerts JSONL file, or - for stdout")
    p.add_argument(
        "--verdicts", help='analysts\' verdicts JSONL ({"client_id", "label", "ts"}), learned at ts'
    )
    p.set_defaults(func=cmd_detect)

    p = sub.add_parser("label", help="publish an analyst's verdict on a client to the labels topic")
    p.add_argument("client_id")
    p.add_argument("label", choices=["extraction", "benign"])
    p.add_argument("--note", default="", help="free text for the record (not used for learning)")
    p.add_argument("--ts", type=point_in_time, default=None, help="event time it applies from (now)")
    p.set_defaults(func=cmd_label)

    p = sub.add_parser(
        "replay", help="the detector over a window of a topic's history, with state of its own"
    )
    p.add_argument("--from", dest="start", type=point_in_time, default=0.0, help="alerts from (all)")
    p.add_argument("--to", dest="end", type=point_in_time, default=math.inf, help="alerts before (all)")
    start = p.add_mutually_exclusive_group()
    start.add_argument(
        "--from-snapshot",
        help="resume every stage at this snapshot's mark (default: the newest before --from)",
    )
    start.add_argument(
        "--fresh", action="store_true", help="empty state, every partition from its beginning, as detect"
    )
    p.add_argument("--client", help="output only this client's alerts (and cluster alerts listing it)")
    p.add_argument("--topic", help="with --fresh: events topic to read (the input topic)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--output-topic", help="alerts topic (extraction-alerts-replay-<run id>)")
    out.add_argument("--output", help="alerts JSONL file, or - for stdout")
    p.add_argument("--config", help="file of EXTRACTWATCH_*=value lines over the current settings")
    p.add_argument("--model", help="prior checkpoint to score with (extractwatch train)")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("backtest", help="a baseline and a candidate detector over the same history, compared")
    p.add_argument("--from", dest="start", type=point_in_time, required=True, help="alerts from")
    p.add_argument("--to", dest="end", type=point_in_time, required=True, help="alerts before")
    p.add_argument("--baseline", required=True, help="EXTRACTWATCH_*=value config file, or a checkpoint")
    p.add_argument("--candidate", required=True, help="EXTRACTWATCH_*=value config file, or a checkpoint")
    p.add_argument("--warmup", type=duration, default=86400.0, help="state built before --from (1d)")
    p.add_argument("--labels", help="CSV client_id,label for precision and recall (and the verdicts topic)")
    p.add_argument("--json", help="write the comparison as JSON")
    p.add_argument("--topic", help="events topic to read (the input topic)")
    p.set_defaults(func=cmd_backtest)

    p = sub.add_parser("simulate", help="synthetic benign and extraction traffic, with its ground truth")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--start", type=point_in_time, default=None, help="default: --duration before now")
    p.add_argument("--duration", type=duration, default=86400.0, help="default 24h")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the number of clients")
    p.add_argument("--labels", help="ground truth CSV (default: beside --output)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--output", help="events JSONL file")
    target.add_argument("--topic", help="publish to this topic instead")
    p.add_argument("--realtime", action="store_true", help="with --topic: pace future events to the clock")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("eval", help="recall, false alarms, time to alert: simulated or your labelled traffic")
    p.add_argument("--seeds", type=seeds, default=[1], help="simulations to run, e.g. 1,2,3 (default 1)")
    p.add_argument("--duration", type=duration, default=3 * 86400.0, help="simulated time per seed (3d)")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the number of simulated clients")
    p.add_argument("--jobs", type=int, default=1, help="runs evaluated in parallel processes")
    p.add_argument(
        "--independent-seeds", type=seeds, default=[], help="held-out generator seeds, one day each"
    )
    p.add_argument("--independent-scale", type=float, default=1.0)
    p.add_argument("--ablation-seed", type=int, default=None, help="run the three ablation cells on it")
    p.add_argument("--ablation-duration", type=duration, default=2 * 86400.0)
    p.add_argument("--ablation-scale", type=float, default=1.0)
    p.add_argument("--feedback-share", type=float, default=None, help="also run warm: share revealed")
    p.add_argument("--label-delay", type=duration, default=7200.0, help="verdict delay after first event")
    p.add_argument("--feedback-seed", type=int, default=0, help="which accounts are revealed")
    p.add_argument("--input", help="your own events JSONL (schema v1, events or envelopes)...")
    p.add_argument("--labels", help="...and its labels CSV: client_id,label[,scenario[,kind]]")
    p.add_argument("--out", default="eval-report", help="directory for eval.json and risk.png")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("train", help="the prior model checkpoint, from labelled history or the simulator")
    p.add_argument("--input", help="events JSONL (schema v1)...")
    p.add_argument("--labels", help="...and its labels CSV: client_id,label[,scenario]")
    p.add_argument("--seeds", type=seeds, default=None, help="without --input: simulator seeds (101-199)")
    p.add_argument("--duration", type=duration, default=86400.0, help="simulated time per seed (1d)")
    p.add_argument("--scale", type=float, default=0.2, help="multiplies the number of simulated clients")
    p.add_argument("--jobs", type=int, default=2, help="seeds simulated in parallel processes")
    p.add_argument("--out", default="models/prior.ckpt", help="checkpoint file to write")
    p.add_argument(
        "--learner",
        choices=["profiles", "forest", "hybrid"],
        default="profiles",
        help="linear profiles (shipped), Mondrian forest, or the higher of both (docs/model-choice.md)",
    )
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("produce", help="publish events JSONL to the input topic")
    p.add_argument("--input", required=True, help="events JSONL file, or - for stdin")
    p.add_argument("--batch", type=int, default=1, help="events of one partition per envelope message")
    p.add_argument("--topic", help="default: EXTRACTWATCH_INPUT_TOPIC")
    p.set_defaults(func=cmd_produce)

    p = sub.add_parser("alerts", help="print alerts from the alerts topic")
    p.add_argument("--follow", action="store_true", help="keep waiting for new alerts")
    p.add_argument("--from-beginning", action="store_true", help="start at the oldest alert")
    p.add_argument("--topic", help="default: EXTRACTWATCH_ALERTS_TOPIC")
    p.add_argument("--format", choices=["json", "text"], default="json")
    p.set_defaults(func=cmd_alerts)

    bridge = sub.add_parser("bridge", help="deliver alerts to where people are paged").add_subparsers(
        dest="bridge_command", required=True
    )
    p = bridge.add_parser("pagerduty", help="alerts to the PagerDuty Events API v2, each incident once")
    p.add_argument("--url", help="events API base URL (default: EXTRACTWATCH_PAGERDUTY_URL or PagerDuty's)")
    p.add_argument(
        "--routing-key-file", type=Path, help="file holding the integration key (default: the environment)"
    )
    p.add_argument("--group", help="consumer group (default: EXTRACTWATCH_PAGERDUTY_GROUP)")
    p.add_argument("--topic", help="alerts topic (default: EXTRACTWATCH_ALERTS_TOPIC)")
    p.add_argument(
        "--from-beginning",
        action="store_true",
        help="on the group's first start, deliver the topic's history instead of starting at its end",
    )
    p.set_defaults(func=cmd_bridge_pagerduty)

    dlq = sub.add_parser("dlq", help="the input's dead-letter queue").add_subparsers(
        dest="dlq_command", required=True
    )
    p = dlq.add_parser("resend", help="put DLQ records back on the input topic; says how many")
    p.add_argument("--reason", action="append", help="only records of this reason (repeatable)")
    p.add_argument("--since", type=point_in_time, help="only records dead-lettered at or after this time")
    p.add_argument("--dry-run", action="store_true", help="count, send nothing")
    p.add_argument("--force", action="store_true", help="also resend late and future records")
    p.set_defaults(func=cmd_dlq_resend)

    p = sub.add_parser("pagerduty-sim", help="a local server with PagerDuty's Events API v2 semantics")
    p.add_argument("--port", type=int, default=8088)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--rate-limit", type=int, help="answer 429 past this many events a minute per routing key")
    p.set_defaults(func=cmd_pagerduty_sim)

    sub.add_parser("topics", help="create the project's topics if missing").set_defaults(func=cmd_topics)

    p = sub.add_parser("bench", help="throughput, latency and state size on the real broker (make bench)")
    p.add_argument("--quick", action="store_true", help="a few seconds a run, written to bench/quick.json")
    p.set_defaults(func=cmd_bench)

    state = sub.add_parser("state", help="inspect the worker's per-partition state").add_subparsers(
        dest="state_command", required=True
    )
    p = state.add_parser("export", help="a partition's latest snapshot, as JSON (or --raw checkpoint bytes)")
    p.add_argument("--partition", type=int, required=True)
    p.add_argument("--output", default="-", help="file, or - for stdout")
    p.add_argument("--raw", action="store_true", help="the stored checkpoint (a pickle)")
    p.set_defaults(func=cmd_state_export)
    p = state.add_parser("snapshots", help="the retained snapshots replays resume from")
    p.add_argument("--partition", type=int, help="only this partition's (every stage)")
    p.set_defaults(func=cmd_state_snapshots)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from streams import logs

    try:
        settings = Settings.from_env()
        logs.configure(settings.log_level)
        set_young_threshold(settings.gc_young_threshold)
        return args.func(settings, args)
    except ExtractwatchError as exc:
        print(f"extractwatch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
