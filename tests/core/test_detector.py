import orjson

from streams.core.detector import Detector
from streams.settings import DetectorSettings
from streams.simulate.scenarios import SKELETON
from streams.simulate.traffic import traffic
from tests.helpers import encoded

START = 1_795_766_400.0  # 06:00 UTC: the simulated people are awake


def simulated_lines(seed=3, hours=6):
    events, truth = traffic(seed, START, hours * 3600, scenarios=SKELETON)
    return [orjson.dumps(e) for e in events], truth


def test_detect_alerts_simulated_attackers_and_no_benign_client():
    lines, truth = simulated_lines()
    alerted = {a.client_id for a in Detector(6, DetectorSettings()).run(lines) if a.status == "firing"}
    attackers = {t.client_id for t in truth if t.label == "extraction"}
    # recall over a 6-hour window is the eval gate's business: here, only attackers, and most of them
    assert alerted <= attackers and len(alerted) >= len(attackers) - 1


def test_same_events_give_the_same_alerts():
    lines, _ = simulated_lines(seed=4, hours=3)
    first = [a.to_dict() for a in Detector(6, DetectorSettings()).run(lines)]
    second = [a.to_dict() for a in Detector(6, DetectorSettings()).run(lines)]
    assert first and first == second


def test_the_alerts_do_not_depend_on_how_lines_are_grouped_into_runs():
    lines, _ = simulated_lines(seed=4, hours=3)
    whole = Detector(6, DetectorSettings()).run(lines)
    one_by_one = Detector(6, DetectorSettings())
    single = [a for line in lines for a in one_by_one.feed_line(line)] + one_by_one.finish()
    in_runs = {a.alert_id: a.to_dict() for a in whole}
    assert in_runs and in_runs == {a.alert_id: a.to_dict() for a in single}


def test_bad_lines_are_collected_not_raised():
    detector = Detector(6, DetectorSettings())
    list(detector.run([b"garbage", b'{"client_id": "x"}']))
    assert [d.reason for d in detector.dead_letters] == ["invalid_json", "invalid_event"]


def _population(prefix: str, start: float, prompt: str, completion_tokens: int) -> list[bytes]:
    """20 clients, one request each every 30 s for 4 hours."""
    return [
        encoded(
            client_id=f"{prefix}-{c}",
            ts=start + i * 30.0,
            prompt=prompt.format(i=i, c=c),
            prompt_tokens=40,
            completion_tokens=completion_tokens,
        )
        for i in range(480)
        for c in range(20)
    ]


def test_a_shift_in_the_risk_stream_is_reported_as_drift_within_an_hour():
    t0 = 1_790_000_000.0
    shift = t0 + 4 * 3600
    chat = _population("chat", t0, "hey can you fix my email to {c} number {i}", 150)
    harvest = _population(
        "harvest",
        shift,
        "Explain step by step with worked examples, reasoning through each case: {i} of {c}",
        3000,
    )
    detector = Detector(1, DetectorSettings())
    list(detector.run(chat + harvest))
    assert any(shift < ts <= shift + 3600 for _partition, ts in detector.drifts), detector.drifts
