import pytest

from streams.errors import ConfigError
from streams.settings import DetectorSettings, Settings


def test_a_clear_threshold_above_the_fire_threshold_is_refused_at_start_up():
    with pytest.raises(ConfigError, match="clear_threshold 0.8 must be below fire_threshold 0.6"):
        Settings.from_env({"EXTRACTWATCH_DETECTOR_CLEAR_THRESHOLD": "0.8"})


def test_severities_that_do_not_rise_are_refused():
    with pytest.raises(ConfigError, match="severities must rise"):
        DetectorSettings(severity_error=0.99)


def test_a_negative_settle_time_is_refused():
    with pytest.raises(ConfigError, match="verdict_settle_s must not be negative"):
        Settings.from_env({"EXTRACTWATCH_DETECTOR_VERDICT_SETTLE_S": "-1"})


def test_a_fetch_wait_of_zero_is_refused():
    with pytest.raises(ConfigError, match="EXTRACTWATCH_FETCH_MAX_WAIT_MS.* must be positive"):
        Settings.from_env({"EXTRACTWATCH_FETCH_MAX_WAIT_MS": "0"})


def test_a_young_gc_threshold_of_zero_is_refused():
    # zero would turn the garbage collector off, not tune it
    with pytest.raises(ConfigError, match="EXTRACTWATCH_GC_YOUNG_THRESHOLD.* must be positive"):
        Settings.from_env({"EXTRACTWATCH_GC_YOUNG_THRESHOLD": "0"})


def test_a_stall_limit_of_zero_is_refused():
    # every partition with a job in hand would be called stalled, and the worker restarted
    with pytest.raises(ConfigError, match="EXTRACTWATCH_STALL_AFTER_S must be positive"):
        Settings.from_env({"EXTRACTWATCH_STALL_AFTER_S": "0"})


def test_a_producer_request_timeout_of_zero_is_refused():
    with pytest.raises(ConfigError, match="EXTRACTWATCH_PRODUCER_REQUEST_TIMEOUT_S must be positive"):
        Settings.from_env({"EXTRACTWATCH_PRODUCER_REQUEST_TIMEOUT_S": "0"})


def test_a_mapping_threshold_below_a_page_is_refused_at_start_up():
    with pytest.raises(ConfigError, match="EXTRACTWATCH_MALLOC_MMAP_THRESHOLD must be 0"):
        Settings.from_env({"EXTRACTWATCH_MALLOC_MMAP_THRESHOLD": "100"})


def test_the_defaults_make_sense():
    assert DetectorSettings().problems() == []
