"""The log set-up: JSON lines when stderr is not a terminal."""

import orjson
import pytest
import structlog

from streams.logs import configure


@pytest.fixture
def restored_log_config():
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)  # later tests must not write to this test's captured stderr


def test_an_exception_logged_as_json_carries_its_traceback(capsys, restored_log_config):
    configure()
    try:
        {}["missing"]
    except KeyError:
        structlog.get_logger("test").exception("delivery failed", partition=3)
    record = orjson.loads(capsys.readouterr().err.splitlines()[-1])
    assert record["event"] == "delivery failed" and record["partition"] == 3
    assert "Traceback" in record["exception"] and "KeyError" in record["exception"]
