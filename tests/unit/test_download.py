"""download(): a local HTTP server on 127.0.0.1 stands in for GitHub / the TLC CDN (never the internet)."""

from __future__ import annotations

import os
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dockermagic.ingest.downloads import default_cache_dir, download
from dockermagic.errors import DownloadError

PAYLOAD = os.urandom(300_000) + b"end"


class Handler(BaseHTTPRequestHandler):
    """Serves the server's ``files`` with Range support; ``short`` paths send half and hang up."""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        name = self.path.lstrip("/")
        if name not in srv.files:
            self.send_error(404, "Not Found")
            return
        body = srv.files[name]
        start, status = 0, 200
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match and srv.ranges:
            start, status = int(match.group(1)), 206
            if start >= len(body):
                self.send_error(416, "Range Not Satisfiable")
                return
        self.send_response(status)
        self.send_header("Content-Length", str(len(body) - start))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        chunk = body[start:]
        if name in srv.short:
            chunk = chunk[: len(chunk) // 2]
            self.close_connection = True
        self.wfile.write(chunk)


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.files, srv.requests, srv.short, srv.ranges = {"data.bin": PAYLOAD}, [], set(), True
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


def test_fresh_download_then_cached_without_a_request(server, tmp_path):
    path = download(f"{server.url}/data.bin", tmp_path, progress=False)
    assert path == tmp_path / "data.bin" and path.read_bytes() == PAYLOAD
    assert server.requests == [("/data.bin", None)]
    assert not (tmp_path / "data.bin.part").exists()
    again = download(f"{server.url}/data.bin", tmp_path, progress=False)
    assert again == path and len(server.requests) == 1


def test_resume_after_a_truncated_part_asks_for_the_rest(server, tmp_path):
    (tmp_path / "data.bin.part").write_bytes(PAYLOAD[:123_456])
    path = download(f"{server.url}/data.bin", tmp_path, progress=False)
    assert server.requests == [("/data.bin", "bytes=123456-")]
    assert path.read_bytes() == PAYLOAD


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    server.ranges = False
    (tmp_path / "data.bin.part").write_bytes(b"garbage" * 10)
    path = download(f"{server.url}/data.bin", tmp_path, progress=False)
    assert server.requests == [("/data.bin", "bytes=70-")]
    assert path.read_bytes() == PAYLOAD


def test_transfer_cut_short_is_a_size_error_and_a_rerun_resumes(server, tmp_path):
    server.short.add("data.bin")
    with pytest.raises(DownloadError, match=r"stopped at 150,001 of 300,003 bytes; call download\(\) again to resume"):
        download(f"{server.url}/data.bin", tmp_path, progress=False)
    assert not (tmp_path / "data.bin").exists()
    assert (tmp_path / "data.bin.part").stat().st_size == 150_001
    server.short.clear()
    path = download(f"{server.url}/data.bin", tmp_path, progress=False)
    assert server.requests[-1] == ("/data.bin", "bytes=150001-")
    assert path.read_bytes() == PAYLOAD


def test_part_longer_than_the_file_starts_over(server, tmp_path):
    (tmp_path / "data.bin.part").write_bytes(PAYLOAD + b"extra bytes")
    path = download(f"{server.url}/data.bin", tmp_path, progress=False)
    assert [r for _, r in server.requests] == [f"bytes={len(PAYLOAD) + 11}-", None]
    assert path.read_bytes() == PAYLOAD


def test_404_is_one_sentence(server, tmp_path):
    with pytest.raises(DownloadError) as err:
        download(f"{server.url}/yellow_tripdata_2031-01.csv.gz", tmp_path, progress=False)
    assert str(err.value) == (
        f"Could not download {server.url}/yellow_tripdata_2031-01.csv.gz: the server answered HTTP 404 Not Found."
    )
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert list(tmp_path.iterdir()) == []


def test_connection_refused_says_offline(tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1 refused the connection \(offline, or nothing listens there\)\.$"):
        download(f"http://127.0.0.1:{port}/green_tripdata_2019-01.csv.gz", tmp_path, progress=False)


def test_progress_bar_counts_the_bytes(server, tmp_path, capsys):
    download(f"{server.url}/data.bin", tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "data.bin" in err and "293k" in err  # 300,003 bytes = 293 KiB


def test_url_without_a_file_name_and_default_cache(monkeypatch, tmp_path):
    with pytest.raises(DownloadError, match="names no file"):
        download("http://127.0.0.1:9/", tmp_path, progress=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "dockermagic" / "nyc-tlc"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == Path(tmp_path) / ".cache" / "dockermagic" / "nyc-tlc"


def test_download_month_from_a_mirror_and_its_errors(server, tmp_path):
    from dockermagic.ingest import nyctlc
    from dockermagic.errors import DatasetError

    server.files["yellow_tripdata_2021-01.csv.gz"] = b"VendorID\n1\n"
    path = nyctlc.download_month("yellow", 2021, 1, cache_dir=tmp_path, progress=False, mirror=server.url + "/")
    assert path == tmp_path / "yellow_tripdata_2021-01.csv.gz" and path.read_bytes() == b"VendorID\n1\n"
    with pytest.raises(DownloadError, match="HTTP 404"):
        nyctlc.download_month("green", 2024, 1, format="parquet", cache_dir=tmp_path, progress=False, mirror=server.url)
    assert server.requests[-1] == ("/green_tripdata_2024-01.parquet", None)
    with pytest.raises(DatasetError, match="format must be csv or parquet"):
        nyctlc.download_month("green", 2020, 1, format="xlsx")
    with pytest.raises(DatasetError, match="2021-08"):
        nyctlc.download_month("yellow", 2021, 8, mirror=server.url)
    assert len(server.requests) == 2


def test_a_server_that_never_answers_times_out_in_one_sentence(tmp_path):
    with socket.socket() as silent:  # accepts connections (kernel backlog) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(DownloadError, match=r"127\.0\.0\.1 did not answer in time \(offline or unreachable\)\.$"):
            download(f"http://127.0.0.1:{port}/fhv_tripdata_2019-01.csv.gz", tmp_path, progress=False, timeout=0.3)
    assert not any(tmp_path.iterdir())


class ChunkedHandler(BaseHTTPRequestHandler):
    """No Content-Length: chunked encoding, and the connection drops before the last chunk."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"5\r\nhello\r\n")
        self.wfile.flush()
        self.close_connection = True


def test_broken_chunked_transfer_without_a_size_is_not_taken_as_complete(tmp_path):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), ChunkedHandler)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with pytest.raises(DownloadError, match=r"broke off after 5 bytes \(IncompleteRead\); call download\(\) again to resume"):
            download(f"http://127.0.0.1:{srv.server_address[1]}/x.csv", tmp_path, progress=False)
    finally:
        srv.shutdown()
        srv.server_close()
    assert not (tmp_path / "x.csv").exists() and (tmp_path / "x.csv.part").read_bytes() == b"hello"
