from streams.core.features import FEATURE_NAMES, ClientFeatures
from streams.core.validate import parse_event
from tests.helpers import raw_event

T0 = 1_790_000_000.0


def feed(events):
    parsed = [parse_event(e) for e in events]
    features = ClientFeatures.start(parsed[0])
    for event in parsed:
        features.update(event)
    return features.vector()


def test_vector_always_has_every_feature():
    assert set(feed([raw_event()])) == set(FEATURE_NAMES)


def test_request_rate_tracks_volume():
    # four half-lives in, the decayed rate is within 1/16 of the true rate
    slow = feed([raw_event(ts=T0 + 60 * i) for i in range(240)])  # 60/h
    fast = feed([raw_event(ts=T0 + 6 * i) for i in range(2400)])  # 600/h
    assert 50 < slow["req_rate_1h"] < 65
    assert fast["req_rate_1h"] > 5 * slow["req_rate_1h"]


def test_round_the_clock_activity_has_high_hour_entropy():
    office = feed([raw_event(ts=T0 + d * 86400 + 9 * 3600 + 60 * i) for d in range(3) for i in range(240)])
    script = feed([raw_event(ts=T0 + 300 * i) for i in range(3 * 288)])
    assert script["hour_entropy"] > 0.95
    assert office["hour_entropy"] < 0.6


def test_exact_repeats_of_a_large_suite_are_seen():
    suite = [f"benchmark question number {i}" for i in range(800)]
    once = feed([raw_event(ts=T0 + i, prompt=p) for i, p in enumerate(suite)])
    twice = feed([raw_event(ts=T0 + i, prompt=p) for i, p in enumerate(suite + suite)])
    assert once["exact_repeat_rate"] < 0.05
    assert twice["exact_repeat_rate"] > 0.9


def test_near_duplicates_raise_the_near_duplicate_rate():
    same = feed(
        [raw_event(ts=T0 + i, prompt=f"Summarise the weekly sales report please {i % 2}") for i in range(50)]
    )
    varied = feed(
        [raw_event(ts=T0 + i, prompt=f"topic {i} " + "word " * (i % 7) + str(i * 7919)) for i in range(50)]
    )
    assert same["near_duplicate_rate"] > 0.8
    assert varied["near_duplicate_rate"] < same["near_duplicate_rate"]


def test_pause_longer_than_fifteen_minutes_ends_the_active_streak():
    steady = feed([raw_event(ts=T0 + 60 * i) for i in range(180)])
    paused = feed([raw_event(ts=T0 + 60 * i + (3600 if i >= 150 else 0)) for i in range(180)])
    assert steady["active_streak_h"] > 2.9
    assert paused["active_streak_h"] < 0.6


def test_completion_ratio_and_max_tokens_share_follow_the_outputs():
    x = feed(
        [
            raw_event(
                ts=T0 + i, prompt_tokens=50, completion_tokens=1000, max_tokens=1000, stop_reason="max_tokens"
            )
            for i in range(40)
        ]
    )
    assert x["completion_prompt_ratio"] > 15
    assert x["share_max_tokens"] > 0.9
    assert x["max_tokens_spread"] == 0.0


def test_rate_limited_share_counts_429s():
    x = feed([raw_event(ts=T0 + i, status=429 if i % 2 else 200) for i in range(100)])
    assert 0.3 < x["share_429"] < 0.7


def test_distinct_network_sets_are_bounded():
    x = feed([raw_event(ts=T0 + i, ip=f"10.{i // 256}.{i % 256}.1", asn=i) for i in range(500)])
    assert x["distinct_ips"] == 32
    assert x["distinct_asns"] == 32


def test_account_age_is_days_since_creation():
    x = feed([raw_event(ts=T0, account_created_at=T0 - 2 * 86400)])
    assert x["account_age_days"] == 2.0
