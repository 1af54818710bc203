"""The pure core: validation, reduction, features, scoring and alert policy over plain data.

Nothing here imports Kafka or Faust, and nothing reads the wall clock: the live worker, ``detect``,
replays and the benchmark all run this same code, so they agree on the same events.
"""
