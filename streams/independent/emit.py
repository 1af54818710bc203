"""The service's answer to each call, and the event it logs.

Per organisation, a sliding one-minute request limit turns excess calls into 429s; platform-wide
overload episodes turn some calls into 529s; a client's own bugs produce 400s; rare 500s happen.
Failed calls carry no completion tokens. Clients retry the way the official SDKs do (a few
attempts, exponential backoff with jitter, honouring retry-after for 429s), so failures come with
the retries that follow them.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import deque

from .accounts import Account, Call


def _event_id(seed: int, client_id: str, n: int) -> str:
    digest = hashlib.blake2b(f"{seed}/{client_id}/{n}".encode(), digest_size=12).hexdigest()
    return f"req_{digest}"


def _status(account: Account, call: Call, ts: float, window: deque[float]) -> int:
    rng = account.rng
    while window and window[0] <= ts - 60.0:
        window.popleft()
    if len(window) >= account.rpm_limit:
        return 429
    p_overload = account.world.overload_p(ts, call.model)
    if p_overload and rng.random() < p_overload:
        return 529
    roll = rng.random()
    if roll < account.p_invalid:
        return 400
    if roll < account.p_invalid + 0.0007:
        return 500
    window.append(ts)
    return 200


def _retry_delay(account: Account, status: int, attempt: int, window: deque[float], ts: float) -> float:
    rng = account.rng
    if status == 429 and window:
        return max(0.5, window[0] + 60.0 - ts) + rng.uniform(0, 2)
    return min(60.0, 0.5 * 2**attempt) * rng.uniform(0.75, 1.25)


def _error_latency(account: Account, status: int) -> float:
    rng = account.rng
    low, high = {429: (8, 90), 400: (10, 120), 529: (40, 1500), 500: (300, 30000)}[status]
    return round(rng.uniform(low, high), 1)


def emit(account: Account) -> list[dict]:
    """Events of one account inside the window, in time order, with retries interleaved."""
    world = account.world
    sends = account.sends
    queue = [(c.ts, i, 0, c) for i, c in enumerate(account.calls)]
    heapq.heapify(queue)
    seq = len(queue)
    window: deque[float] = deque()
    events = []
    created = round(account.created_at, 3) if account.send_created_at else None
    while queue:
        ts, _, attempt, call = heapq.heappop(queue)
        if ts >= world.end:
            break
        if ts < world.start:
            continue
        status = _status(account, call, ts, window)
        ok = status == 200
        event = {
            "event_id": _event_id(world.seed, account.client_id, len(events)),
            "ts": round(ts, 3),
            "client_id": account.client_id,
            "api_key_id": call.key,
            "ip": call.ip,
            "model": call.model,
            "prompt_tokens": call.prompt_tokens,
            "completion_tokens": call.completion_tokens if ok else 0,
            "status": status,
        }
        if "asn" in sends:
            event["asn"] = call.asn
        if "user_agent" in sends:
            event["user_agent"] = call.user_agent
        if "endpoint" in sends:
            event["endpoint"] = call.endpoint
        if "max_tokens" in sends:
            event["max_tokens"] = call.max_tokens
        if "temperature" in sends and call.temperature is not None:
            event["temperature"] = call.temperature
        if "stop_reason" in sends and ok:
            event["stop_reason"] = call.stop_reason
        if "latency_ms" in sends:
            event["latency_ms"] = call.latency_ms if ok else _error_latency(account, status)
        if created is not None:
            event["account_created_at"] = created
        event["prompt"] = call.prompt
        events.append(event)
        if not ok and status != 400 and attempt < account.max_retries:
            delay = _retry_delay(account, status, attempt, window, ts)
            heapq.heappush(queue, (ts + delay, seq, attempt + 1, call))
            seq += 1
    return events
