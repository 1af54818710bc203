"""Alert consumers: bridges from the alerts topic to where people are paged.

``pagerduty_event`` (the mapping) and ``outbox`` (ordering, coalescing, retries, rate limit, which
offsets are settled) are pure; ``ledger`` and ``pagerduty`` do the Kafka and HTTP I/O around them.
"""
