"""The soak's traffic: a population that has always churned, not one born when the run starts."""

import random

import orjson

from streams.soak import Population


def test_the_past_holds_a_steady_populations_events_before_the_start_in_time_order():
    population = Population(size=1000, lifetime_s=120.0, rng=random.Random(7))
    population.fill(10_000.0)
    past = population.past(10_000.0, rate=1000.0)
    # Ages are exponential with the lives' mean, so the clients alive at the start sent, before it,
    # about rate * lifetime events (an empty or one-age past would be far off).
    assert 0.9 * 120_000 < len(past) < 1.1 * 120_000
    times = [ts for ts, _, _ in past]
    assert times == sorted(times) and times[-1] < 10_000.0
    assert 10_000.0 - times[0] > 5 * 120.0  # the oldest client is some lifetimes old
    alive = {client_id for client_id, _ in population.clients}
    events = [orjson.loads(value) for _, _, value in past]
    assert {e["client_id"] for e in events} <= alive
    assert len({e["event_id"] for e in events}) == len(events)
