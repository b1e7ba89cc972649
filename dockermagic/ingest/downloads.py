"""Download a file once into a cache directory, resuming a partial download where it stopped.

Similar to ``wget -c -P ~/.cache/dockermagic/nyc-tlc URL``: the bytes go to ``NAME.part`` and are
renamed to ``NAME`` only once the size matches the server's ``Content-Length``, so a file in the
cache is always complete and a ``.part`` file is always resumable with an HTTP ``Range`` request.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from ..errors import DownloadError
from ..redaction import mask_url

_CHUNK = 1 << 20
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/dockermagic/nyc-tlc``, else ``~/.cache/dockermagic/nyc-tlc``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dockermagic" / "nyc-tlc"


DEFAULT_CACHE = default_cache_dir()


def _filename(url: str) -> str:
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    if not name or name in (".", ".."):
        raise DownloadError(f"The URL {mask_url(url)} names no file to save.")
    return name


def _open(url: str, start: int, timeout: float):
    """The HTTP response, asking for bytes from ``start`` on; failures become one DownloadError sentence."""
    shown = mask_url(url)
    headers = {"User-Agent": "dockermagic"}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and start:
            return None  # the .part is not a prefix the server recognises: start over
        raise DownloadError(f"Could not download {shown}: the server answered HTTP {exc.code} {exc.reason}.") from None
    except urllib.error.URLError as exc:
        raise DownloadError(_unreachable(shown, urlsplit(url).hostname, exc.reason)) from None
    except (TimeoutError, OSError) as exc:
        raise DownloadError(_unreachable(shown, urlsplit(url).hostname, exc)) from None


def _unreachable(shown: str, host: str | None, reason) -> str:
    if isinstance(reason, ConnectionRefusedError):
        why = f"{host} refused the connection (offline, or nothing listens there)"
    elif isinstance(reason, socket.gaierror):
        why = f"the name {host} does not resolve (this machine looks offline)"
    elif isinstance(reason, (TimeoutError, socket.timeout)):
        why = f"{host} did not answer in time (offline or unreachable)"
    else:
        why = f"{host} is unreachable, this machine may be offline ({reason})"
    return f"Could not download {shown}: {why}."


def _total_size(resp, start: int) -> tuple[int, int | None]:
    """(offset the body starts at, full file size or None) from a 200 or 206 response."""
    if resp.status == 206:
        match = _CONTENT_RANGE.fullmatch(resp.headers.get("Content-Range", "").strip())
        if match and int(match.group(1)) == start:
            total = match.group(3)
            return start, None if total == "*" else int(total)
        return -1, None  # a range we did not ask for
    length = resp.headers.get("Content-Length")
    return 0, int(length) if length and length.isdigit() else None


def download(url: str, cache_dir=None, *, progress: bool = True, timeout: float = 30.0) -> Path:
    """Fetch ``url`` into ``cache_dir`` (default :func:`default_cache_dir`) and return the file's path.

    A file already in the cache is returned without any request. A ``NAME.part`` left by an
    interrupted download is resumed with a ``Range`` request (or restarted if the server ignores
    it). The result is renamed into place only when its size equals the server's announced size.

    Args:
        progress: show a tqdm bar (bytes, MB/s).
        timeout: seconds to wait for the server to answer or to send the next bytes.

    Returns:
        The path of the complete file in the cache.

    Raises:
        DownloadError: offline / server unreachable, an HTTP error such as 404, the transfer broke
            off or the size does not match (the ``.part`` is kept: call again to resume).
    """
    from tqdm.auto import tqdm

    shown = mask_url(url)
    name = _filename(url)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    dest = cache / name
    if dest.is_file():
        return dest
    cache.mkdir(parents=True, exist_ok=True)
    part = cache / f"{name}.part"
    resp, have = _open_resuming(url, part, timeout)
    with resp:
        offset, total = _total_size(resp, have)
        if offset < 0:
            raise DownloadError(f"Could not resume {shown}: the server sent a different byte range than asked.")
        bar = tqdm(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
                   desc=name, disable=not progress, leave=False)
        try:
            # a 200 to a Range request means the whole file again
            broken = _receive(resp, part, "ab" if offset else "wb", bar.update)
        finally:
            bar.close()
    _check_size(shown, part, total, broken)
    part.replace(dest)
    return dest


def _open_resuming(url: str, part: Path, timeout: float):
    """(response, bytes already in ``part``): resumed where ``part`` stops, or from the start."""
    have = part.stat().st_size if part.is_file() else 0
    resp = _open(url, have, timeout)
    if resp is None:
        part.unlink(missing_ok=True)
        return _open(url, 0, timeout), 0
    return resp, have


def _receive(resp, part: Path, mode: str, on_bytes) -> Exception | None:
    """Append the body to ``part``; the error that broke the transfer off (what arrived is kept), or None."""
    try:
        with open(part, mode) as out:
            try:
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
                    on_bytes(len(chunk))
            except (http.client.HTTPException, OSError) as exc:
                if isinstance(exc, OSError) and exc.filename:
                    raise
                # keep what arrived (a chunked read hands it over in the exception) for the next call
                out.write(getattr(exc, "partial", b"") or b"")
                return exc
    except OSError as exc:
        raise DownloadError(f"Could not write {part}: {exc.strerror or exc}.") from None
    return None


def _check_size(shown: str, part: Path, total: int | None, broken: Exception | None) -> None:
    """DownloadError unless ``part`` is complete; a file larger than announced is removed."""
    size = part.stat().st_size
    if broken is not None and (total is None or size < total):
        raise DownloadError(
            f"The download of {shown} broke off after {size:,} bytes ({type(broken).__name__}); "
            "call download() again to resume."
        )
    if total is not None and size != total:
        if size > total:
            part.unlink()
        raise DownloadError(
            f"The download of {shown} stopped at {size:,} of {total:,} bytes; call download() again to resume."
            if size < total else
            f"The download of {shown} gave {size:,} bytes but the server announced {total:,}; the partial file was removed."
        )
