import math

import orjson
import pytest

from streams.core.detector import Detector
from streams.core.partitioner import partition_for
from streams.core.stage import InputRecord
from streams.errors import ConfigError
from streams.history import HistoryRecord
from streams.replay import Window, choose_cuts, read_config, replay_records, resumed, settings_with
from streams.settings import Settings
from streams.simulate.scenarios import SKELETON
from streams.simulate.traffic import traffic
from tests.helpers import swarm_arriving_late

START = 1_795_766_400.0
SETTINGS = Settings.from_env({})
# A resumed replay applies input records at their offsets: the live worker's way with murmur2 input.
MURMUR2 = Settings.from_env({"EXTRACTWATCH_DETECTOR_INPUT_PARTITIONER": "murmur2"})


def history(hours: float) -> list[HistoryRecord]:
    events, _ = traffic(4, START, hours * 3600, scenarios=SKELETON)
    return [HistoryRecord(e["ts"], 0, i, orjson.dumps(e)) for i, e in enumerate(events)]


def test_replay_marks_every_alert_and_keeps_only_the_window():
    records = history(4)
    everything = list(Detector(6, SETTINGS.detector, clusters=True).run(r.value for r in records))
    window = Window(START + 1800, START + 3.5 * 3600)
    replayed = list(replay_records(SETTINGS, records, window))
    assert replayed and all(a.replay for a in replayed)
    assert [a.alert_id for a in replayed] == [a.alert_id for a in everything if window.holds(a.ts)]
    assert len(replayed) < len(everything), "the window left some out"


def test_replay_stops_reading_once_the_watermarks_have_passed_the_window():
    records = history(3)
    window = Window(0, START + 3600)
    read = []

    def counted():
        for record in records:
            read.append(record)
            yield record

    list(replay_records(SETTINGS, counted(), window))
    assert read[-1].ts >= window.end + SETTINGS.detector.allowed_lateness_s
    assert len(read) < len(records)


def test_window_must_start_before_it_ends():
    with pytest.raises(ConfigError, match="must be before"):
        Window(10.0, 5.0)
    assert Window().holds(1e12) and Window().end == math.inf


def test_config_file_overrides_the_environment_and_rejects_other_lines(tmp_path):
    config = tmp_path / "stricter.env"
    config.write_text("# stricter\nEXTRACTWATCH_DETECTOR_FIRE_THRESHOLD=0.9\n\n")
    settings = settings_with({"EXTRACTWATCH_PARTITIONS": "3"}, config, model="m.ckpt")
    assert settings.detector.fire_threshold == 0.9 and settings.partitions == 3
    assert settings.detector.model_checkpoint == "m.ckpt"
    config.write_text("FIRE_THRESHOLD=0.9\n")
    with pytest.raises(ConfigError, match="line 1"):
        read_config(config)


def kafka_like(lines: list[bytes]) -> list[HistoryRecord]:
    """Each line one record on its client's murmur2 partition, at that partition's next offset."""
    next_offset = [0] * SETTINGS.partitions
    out = []
    for line in lines:
        event = orjson.loads(line)
        p = partition_for(event["client_id"], SETTINGS.partitions)
        out.append(HistoryRecord(event["ts"], p, next_offset[p], line, event["ts"]))
        next_offset[p] += 1
    return out


def test_resuming_every_stage_from_its_cuts_gives_the_uninterrupted_alerts_of_the_window():
    lines, _ = swarm_arriving_late(4, START, hours=6, after_h=4)
    records = kafka_like(lines)
    whole = Detector(MURMUR2.partitions, MURMUR2.detector, clusters=True, keep_cuts=True)
    alerts = [
        a for r in records for a in whole.feed_record(r.partition, InputRecord(r.offset, r.ts, r.value))
    ]
    alerts += whole.finish()
    window = Window(START + 3.5 * 3600)
    expected = [a.alert_id for a in alerts if window.holds(a.ts)]
    assert any(a.scope == "cluster" for a in alerts if window.holds(a.ts)), "cluster alerts in the window"

    chosen = choose_cuts(whole.cuts, window.start, MURMUR2.detector, clusters=True)
    assert {c.stage for c in chosen} == {"detect", "clusters", "swarms"}
    assert all(c.offset > 0 and c.watermark <= START + 2.5 * 3600 for c in chosen if c.stage == "detect")
    resumed_alerts = list(replay_records(MURMUR2, records, window, resume=resumed(MURMUR2, chosen)))
    assert sorted(a.alert_id for a in resumed_alerts) == sorted(expected)
