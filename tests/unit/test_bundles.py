"""Image bundles without the engine (bundle_file): the manifests, the file layout, and the sentences for bad files."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest

from dockermagic.engine import bundle_file
from dockermagic.engine.bundle_file import BundledImage, Manifest
from dockermagic.errors import BundleError

ID_A = "sha256:" + "a" * 64
ID_B = "sha256:" + "b" * 64
IMAGES = (BundledImage("postgres:13", ID_A), BundledImage("debian:bookworm", ID_B))


def manifest_json(**changes) -> bytes:
    body = json.loads(Manifest(IMAGES, size=1024, sha256="c" * 64, dockermagic="0.1.0").to_json())
    body.update(changes)
    return json.dumps(body).encode()


def test_manifest_round_trips():
    parsed = bundle_file.parse_manifest(manifest_json())
    assert parsed == Manifest(IMAGES, size=1024, sha256="c" * 64, dockermagic="0.1.0")


@pytest.mark.parametrize("data, words", [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "not a dockermagic image bundle"),
    (manifest_json(format="something-else"), "not a dockermagic image bundle"),
    (manifest_json(format_version=2), "newer dockermagic"),
    (manifest_json(images=[{"name": "postgres:13"}]), "damaged manifest"),
    (manifest_json(images=[{"name": "postgres:13", "id": "sha256:xyz"}]), "damaged manifest"),
    (manifest_json(images=[]), "damaged manifest"),
    (manifest_json(**{"images.tar": {"size": 10}}), "damaged manifest"),
    (manifest_json(**{"images.tar": {"size": 10, "sha256": "short"}}), "damaged manifest"),
])
def test_a_bad_manifest_is_one_sentence(data, words):
    with pytest.raises(BundleError, match=words) as caught:
        bundle_file.parse_manifest(data, path="/somewhere/classroom.tar")
    assert str(caught.value).startswith("classroom.tar") and str(caught.value).endswith(".")


def test_docker_save_manifest_legacy_and_oci_layouts():
    legacy = [{"Config": "a" * 64 + ".json", "RepoTags": ["postgres:13", "docker.io/library/postgres:15"],
               "Layers": ["x/layer.tar"]}]
    oci = [{"Config": "blobs/sha256/" + "b" * 64, "RepoTags": None, "Layers": []}]
    assert bundle_file.parse_docker_save_manifest(json.dumps(legacy).encode()).images == (
        BundledImage("postgres:13", ID_A), BundledImage("postgres:15", ID_A))
    parsed = bundle_file.parse_docker_save_manifest(json.dumps(oci).encode())
    assert parsed.images == (BundledImage(ID_B, ID_B),) and parsed.sha256 is None  # saved by id: no name
    with pytest.raises(BundleError, match="manifest.json is damaged"):
        bundle_file.parse_docker_save_manifest(b'[{"RepoTags": ["x:1"]}]', path="old.tar")
    with pytest.raises(BundleError, match="no images"):
        bundle_file.parse_docker_save_manifest(b"[]", path="old.tar")


PAYLOAD = bytes(range(256)) * 40 + b"tail"  # not a multiple of 512: the padding matters


@pytest.fixture
def bundle(tmp_path):
    path = str(tmp_path / "classroom.tar")
    chunks = [PAYLOAD[i:i + 1000] for i in range(0, len(PAYLOAD), 1000)]
    manifest = bundle_file.write_bundle(path, IMAGES, chunks)
    return path, manifest


def test_a_bundle_is_a_plain_tar_with_the_images_then_the_manifest(bundle):
    path, manifest = bundle
    with tarfile.open(path) as tar:
        assert tar.getnames() == ["images.tar", "dockermagic-bundle.json"]
        assert tar.extractfile("images.tar").read() == PAYLOAD
        assert bundle_file.parse_manifest(tar.extractfile("dockermagic-bundle.json").read()) == manifest
    assert manifest.size == len(PAYLOAD) and manifest.images == IMAGES
    layout = bundle_file.read_layout(path)
    with open(path, "rb") as fh:
        fh.seek(layout.offset)
        assert fh.read(layout.size) == PAYLOAD
    bundle_file.check(path, layout, progress=False)  # the checksum matches


def test_a_failed_write_leaves_no_file(tmp_path):
    def broken():
        yield b"x" * 100
        raise KeyboardInterrupt

    path = tmp_path / "classroom.tar"
    with pytest.raises(KeyboardInterrupt):
        bundle_file.write_bundle(str(path), IMAGES, broken())
    assert list(tmp_path.iterdir()) == []


def test_every_cut_is_cut_short(bundle, tmp_path):
    path, _ = bundle
    data = open(path, "rb").read()
    end_of_manifest = len(data) - 2 * 512  # the two zero blocks that close a tar carry nothing
    for cut in (1, 511, 512, 513, 4000, len(PAYLOAD) + 512, len(PAYLOAD) + 1024 + 100, end_of_manifest - 1):
        short = tmp_path / f"cut{cut}.tar"
        short.write_bytes(data[:cut])
        with pytest.raises(BundleError, match="is cut short") as caught:
            bundle_file.read_layout(str(short))
        assert f"cut{cut}.tar is cut short (it has " in str(caught.value), cut


def test_a_changed_byte_is_damaged(bundle):
    path, _ = bundle
    layout = bundle_file.read_layout(path)
    with open(path, "r+b") as fh:
        fh.seek(layout.offset + 100)
        fh.write(b"\xff" if fh.read(1) != b"\xff" else b"\x00")
    with pytest.raises(BundleError, match="is damaged"):
        bundle_file.check(path, bundle_file.read_layout(path), progress=False)


def test_foreign_files_are_one_sentence(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 200)
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(text, arcname="notes.txt")
    zipped = tmp_path / "classroom.tar.gz"
    zipped.write_bytes(gzip.compress(other.read_bytes()))
    empty = tmp_path / "empty.tar"
    empty.write_bytes(b"")
    for path, words in ((text, "not an image bundle \\(not a tar archive\\)"),
                        (other, "a tar archive but not an image bundle"),
                        (zipped, "gzip-compressed; run `gunzip`"),
                        (empty, "not an image bundle \\(empty\\)"),
                        (tmp_path / "missing.tar", "Cannot read the bundle")):
        with pytest.raises(BundleError, match=words):
            bundle_file.read_layout(str(path))


def test_a_docker_save_archive_is_read_as_plain(tmp_path):
    path = tmp_path / "saved.tar"
    entries = [{"Config": "a" * 64 + ".json", "RepoTags": ["hello-world:latest"], "Layers": []}]
    with tarfile.open(path, "w") as tar:
        for name, data in (("a" * 64 + ".json", b"{}"), ("manifest.json", json.dumps(entries).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    layout = bundle_file.read_layout(str(path))
    assert layout.plain and layout.offset == 0 and layout.size == path.stat().st_size
    assert layout.manifest.images == (BundledImage("hello-world:latest", ID_A),)
