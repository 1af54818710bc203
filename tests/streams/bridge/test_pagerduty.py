"""The bridge's routing key and alert decoding (no broker, no HTTP)."""

import pytest

from streams.bridge.pagerduty import decode_alert, routing_key
from streams.errors import ConfigError
from streams.settings import Settings

KEY = "R0UT1NGKEY0123456789abcdefABCDEF"


def test_without_a_routing_key_the_error_says_how_to_give_one():
    with pytest.raises(ConfigError, match="--routing-key-file FILE or EXTRACTWATCH_PAGERDUTY_ROUTING_KEY"):
        routing_key(Settings.from_env({}), None)


def test_the_routing_key_file_wins_and_is_stripped(tmp_path):
    path = tmp_path / "key"
    path.write_text(KEY + "\n")
    settings = Settings.from_env({"EXTRACTWATCH_PAGERDUTY_ROUTING_KEY": "y" * 32})
    assert routing_key(settings, path).reveal() == KEY


def test_a_routing_key_of_the_wrong_length_is_refused_without_showing_it():
    with pytest.raises(ConfigError) as err:
        routing_key(Settings.from_env({"EXTRACTWATCH_PAGERDUTY_ROUTING_KEY": KEY[:20]}), None)
    assert KEY[:20] not in str(err.value) and "32 characters" in str(err.value)


def test_settings_never_show_the_routing_key():
    settings = Settings.from_env({"EXTRACTWATCH_PAGERDUTY_ROUTING_KEY": KEY})
    assert KEY not in repr(settings) and KEY not in str(settings.pagerduty)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b'{"dedup_key": "k"}', r"seq \(integer\) are required"),
        (b'{"dedup_key": "k", "seq": 1, "status": "firing"}', "needs summary, severity, ts, scope"),
    ],
)
def test_an_alert_the_bridge_cannot_send_is_refused_with_its_reason(value, why):
    with pytest.raises(ValueError, match=why):
        decode_alert(value)
