"""With no engine, a magic answers with one sentence saying how to start one."""

import pytest
from IPython.core.error import UsageError

from dockermagic import client as dm_client


def test_no_engine_is_one_sentence(ip, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    dm_client.reset_client()
    try:
        with pytest.raises(UsageError, match="No Docker engine answers at unix://.*start Docker"):
            ip.run_line_magic("docker", "ps")
    finally:
        dm_client.reset_client()
