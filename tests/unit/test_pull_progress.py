import pytest

from dockermagic.errors import DockerMagicError
from dockermagic.engine.pulling import show_progress

EVENTS = [
    {"status": "Pulling from library/x", "id": "latest"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "aaa"},
    {"status": "Downloading", "progressDetail": {"current": 100, "total": 1000}, "id": "aaa"},
    {"status": "Downloading", "progressDetail": {"current": 50, "total": 200}, "id": "bbb"},
    {"status": "Downloading", "progressDetail": {"current": 600, "total": 1000}, "id": "aaa"},
    {"status": "Download complete", "progressDetail": {}, "id": "bbb"},
    {"status": "Digest: sha256:abc"},
    {"status": "Status: Downloaded newer image for x:latest"},
]


def test_one_bar_per_layer_and_status_lines():
    said = []
    p = show_progress(EVENTS, said.append)
    assert set(p.bars) == {"aaa", "bbb"}
    assert (p.bars["aaa"].n, p.bars["aaa"].total) == (600, 1000)
    assert p.bars["bbb"].n == p.bars["bbb"].total == 200
    assert said == ["Digest: sha256:abc", "Status: Downloaded newer image for x:latest"]


def test_error_event_is_one_sentence():
    with pytest.raises(DockerMagicError, match="manifest unknown"):
        show_progress([{"error": "manifest unknown", "errorDetail": {"message": "manifest unknown"}}], print)
