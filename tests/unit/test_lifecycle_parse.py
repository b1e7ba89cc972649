import time

import pytest

from dockermagic.errors import CommandError
from dockermagic.engine.lifecycle import parse_since
from dockermagic.engine.running import parse_restart


def test_since_forms():
    now = time.time()
    assert abs(parse_since("10m") - (now - 600)) <= 2
    assert abs(parse_since("2h") - (now - 7200)) <= 2
    assert parse_since("1700000000") == 1700000000
    assert parse_since("2024-01-02T00:00:00Z") == 1704153600
    with pytest.raises(CommandError, match="--since"):
        parse_since("last week")


def test_restart_policies():
    assert parse_restart("no") == {"Name": ""}
    assert parse_restart("on-failure:3") == {"Name": "on-failure", "MaximumRetryCount": 3}
    with pytest.raises(CommandError):
        parse_restart("on-failure:x")
