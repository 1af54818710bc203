import math

import orjson
import pytest

from streams.core.detector import Detector
from streams.errors import ConfigError
from streams.history import HistoryRecord
from streams.replay import Window, read_config, replay_records, settings_with
from streams.settings import Settings
from streams.simulate.scenarios import SKELETON
from streams.simulate.traffic import traffic

START = 1_795_766_400.0
SETTINGS = Settings.from_env({})


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
