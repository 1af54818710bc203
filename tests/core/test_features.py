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


def test_distinct_ips_and_prefixes_are_estimated_by_a_sketch():
    x = feed([raw_event(ts=T0 + i, ip=f"10.0.{i // 100}.{i % 100}") for i in range(500)])
    assert 375 <= x["distinct_ips"] <= 625  # HyperLogLog, 10% target error
    assert 3 <= x["distinct_prefixes"] <= 8  # five /24s


def test_distinct_asns_are_bounded():
    x = feed([raw_event(ts=T0 + i, asn=i) for i in range(500)])
    assert x["distinct_asns"] == 32


def test_short_half_life_rate_reacts_first_to_a_burst():
    quiet = [raw_event(ts=T0 + 600 * i) for i in range(36)]  # 6/h for 6 h
    burst = [raw_event(ts=T0 + 6 * 3600 + 2 * i) for i in range(300)]  # then 1800/h for 10 min
    x = feed(quiet + burst)
    assert x["req_rate_10m"] > 2 * x["req_rate_1h"] > 2 * x["req_rate_1d"]


def test_regular_pacing_has_low_interarrival_variation_and_negative_burstiness():
    regular = feed([raw_event(ts=T0 + 5 * i) for i in range(200)])
    bursty = feed([raw_event(ts=T0 + (i // 20) * 3600 + i) for i in range(200)])
    assert regular["interarrival_cv"] < 0.1 and regular["burstiness"] < -0.8
    assert bursty["interarrival_cv"] > 1.0 and bursty["burstiness"] > 0.0


def test_distinct_prompts_keep_novelty_high_and_repeats_lower_it():
    fresh = feed([raw_event(ts=T0 + i, prompt=f"question {i} about item {i * 7}") for i in range(300)])
    reused = feed([raw_event(ts=T0 + i, prompt=f"question {i % 30}") for i in range(300)])
    assert fresh["prompt_novelty"] > 0.8
    assert reused["prompt_novelty"] < 0.2


def test_prompts_spread_over_many_topics_have_high_topic_entropy():
    import random

    rng = random.Random(1)
    words = [f"w{i}" for i in range(2000)]
    spread = feed([raw_event(ts=T0 + i, prompt=" ".join(rng.sample(words, 12))) for i in range(400)])
    narrow_prompts = [f"translate sentence number {i % 3} please" for i in range(400)]
    narrow = feed([raw_event(ts=T0 + i, prompt=p) for i, p in enumerate(narrow_prompts)])
    assert spread["topic_entropy"] > 0.9 and spread["topic_coverage"] > 0.8
    assert narrow["topic_entropy"] < 0.4 and narrow["topic_coverage"] < 0.2


def test_shared_template_raises_template_reuse():
    x = feed([raw_event(ts=T0 + i, prompt=f"Translate '{i} apples' to French") for i in range(60)])
    assert x["template_reuse_rate"] > 0.9


def test_reasoning_requests_raise_reasoning_share():
    x = feed([raw_event(ts=T0 + i, prompt=f"Solve {i} step by step") for i in range(60)])
    assert x["reasoning_share"] > 0.9


def test_varied_temperature_has_spread():
    fixed = feed([raw_event(ts=T0 + i, temperature=0.7) for i in range(60)])
    varied = feed([raw_event(ts=T0 + i, temperature=[0.0, 0.7, 1.2][i % 3]) for i in range(60)])
    assert fixed["temperature_spread"] == 0.0 < 0.3 < varied["temperature_spread"]


def test_account_age_is_days_since_creation():
    x = feed([raw_event(ts=T0, account_created_at=T0 - 2 * 86400)])
    assert x["account_age_days"] == 2.0


def test_token_rates_follow_the_tokens_sent_and_received():
    # 100 requests an hour for four hours (four half-lives: within 1/16 of the true rate)
    x = feed([raw_event(ts=T0 + 36 * i, prompt_tokens=100, completion_tokens=1000) for i in range(400)])
    assert 8_000 < x["prompt_tokens_rate_1h"] < 11_000
    assert 80_000 < x["completion_tokens_rate_1h"] < 110_000
