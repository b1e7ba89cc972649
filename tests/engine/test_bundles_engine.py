"""Image bundles against the real engine: save, remove, load gives back the same names and ids; a cut,
damaged or foreign file is one sentence and loads nothing; a plain docker save archive loads too.

The images are throwaway: a tag of the Debian stand-in, a tag in the postgres stand-in's repository
(so ``ensure_image`` judges it as a stand-in), and a tiny build only these tests make.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from pathlib import Path

import docker
import pytest

from dockermagic.engine import bundle_file, bundles, imagekit
from dockermagic.errors import BundleError


@pytest.fixture
def tmp_path():
    """A folder removed after the test: pytest keeps its own tmp_path folders, and with a bundle of
    130 MB in each test they would add up to gigabytes."""
    with tempfile.TemporaryDirectory(prefix="dmtest-bundles-") as folder:
        yield Path(folder)


@pytest.fixture
def two_images(client, images, cleanup):
    """[alias of the Debian stand-in, a tiny image of our own] and {ref: id}."""
    word = uuid.uuid4().hex[:8]
    alias = cleanup.image(f"dmtest-bundle-base-{word}:1")
    client.api.tag("debian:bookworm", f"dmtest-bundle-base-{word}", "1")
    tiny = cleanup.image(f"dmtest-bundle-tiny-{word}:1")
    dockerfile = f"FROM debian:bookworm\nRUN echo {word} > /marker\n".encode()
    client.images.build(fileobj=io.BytesIO(dockerfile), tag=tiny, rm=True, forcerm=True, labels=cleanup.labels)
    refs = [alias, tiny]
    return refs, {ref: client.images.get(ref).id for ref in refs}


def remove_tags(client, refs):
    for ref in refs:
        client.api.remove_image(ref, noprune=False)


def present(client, ref) -> bool:
    try:
        client.images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


def test_save_remove_load_gives_back_names_and_ids(client, two_images, tmp_path):
    refs, ids = two_images
    path = str(tmp_path / "classroom.tar")
    lines = []
    saved = bundles.save(path, refs, client=client, progress=False, say=lines.append)
    assert {i.name: i.id for i in saved.images} == ids and "2 images" in lines[-1]
    remove_tags(client, refs)
    assert not present(client, refs[1]) and not present(client, ids[refs[1]])  # the tiny image is gone entirely
    loaded = bundles.load(path, client=client, progress=False, say=lines.append)
    assert loaded.loaded and {ref: client.images.get(ref).id for ref in refs} == ids
    again = bundles.load(path, client=client, progress=False, say=lines.append)
    assert not again.loaded and "already on this engine" in lines[-1]


def test_a_loaded_standin_tag_is_used_without_a_build(client, images, cleanup, tmp_path, monkeypatch):
    ref = cleanup.image(f"postgres:dmtest-{uuid.uuid4().hex[:8]}")
    client.api.tag("postgres:13", *ref.split(":"))
    path = str(tmp_path / "pg.tar")
    bundles.save(path, [ref], client=client, progress=False, say=lambda line: None)
    client.api.remove_image(ref, noprune=False)  # only the tag: postgres:13 keeps the image
    bundles.load(path, client=client, progress=False, say=lambda line: None)
    builds = []
    monkeypatch.setattr(imagekit, "build_context", lambda *a, **k: builds.append(a) or "")
    assert imagekit.ensure_image(ref, client=client, pull=False, say=lambda line: None) == "present"
    assert builds == [] and client.images.get(ref).id == client.images.get("postgres:13").id


@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_a_cut_bundle_is_one_sentence_and_loads_nothing(client, two_images, tmp_path, keep):
    refs, _ = two_images
    path = tmp_path / "classroom.tar"
    bundles.save(str(path), refs, client=client, progress=False, say=lambda line: None)
    data = path.read_bytes()
    short = tmp_path / "copied.tar"
    short.write_bytes(data[:int(len(data) * keep)])
    remove_tags(client, refs)
    with pytest.raises(BundleError, match=r"^copied.tar is cut short \(it has .* are missing\); copy it again"):
        bundles.load(str(short), client=client, progress=False, say=lambda line: None)
    assert not any(present(client, ref) for ref in refs)


def test_a_damaged_bundle_is_one_sentence_and_loads_nothing(client, two_images, tmp_path):
    refs, _ = two_images
    path = str(tmp_path / "classroom.tar")
    bundles.save(path, refs, client=client, progress=False, say=lambda line: None)
    layout = bundle_file.read_layout(path)
    with open(path, "r+b") as fh:
        fh.seek(layout.offset + layout.size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    remove_tags(client, refs)
    with pytest.raises(BundleError, match="is damaged"):
        bundles.load(path, client=client, progress=False, say=lambda line: None)
    assert not any(present(client, ref) for ref in refs)


def test_a_foreign_file_is_one_sentence(client, tmp_path):
    notes = tmp_path / "notes.tar"
    notes.write_bytes(b"not a tar at all\n" * 100)
    with pytest.raises(BundleError, match=r"^notes.tar is not an image bundle \(not a tar archive\)"):
        bundles.load(str(notes), client=client, progress=False, say=lambda line: None)


def test_a_plain_docker_save_archive_loads_and_is_checked(client, two_images, tmp_path):
    refs, ids = two_images
    path = tmp_path / "saved.tar"
    with open(path, "wb") as fh:
        for chunk in client.api.get_image(refs[1]):
            fh.write(chunk)
    remove_tags(client, [refs[1]])
    lines = []
    result = bundles.load(str(path), client=client, progress=False, say=lines.append)
    assert client.images.get(refs[1]).id == ids[refs[1]] and [i.name for i in result.images] == [refs[1]]
    assert any("plain docker save archive: no checksum" in line for line in lines)


def test_saving_a_missing_image_names_it(client, tmp_path):
    path = tmp_path / "classroom.tar"
    with pytest.raises(BundleError, match="Not on this engine, so not saved: dmtest-no-such-image:1"):
        bundles.save(str(path), ["dmtest-no-such-image:1"], client=client, progress=False, say=lambda line: None)
    assert not path.exists() and not (tmp_path / "classroom.tar.part").exists()


def test_the_command_line_saves_and_loads(client, two_images, tmp_path, capsys):
    refs, ids = two_images
    path = str(tmp_path / "classroom.tar")
    assert imagekit.main(["save", "--quiet", path, *refs]) == 0
    remove_tags(client, refs)
    assert imagekit.main(["load", "--quiet", path]) == 0
    assert {ref: client.images.get(ref).id for ref in refs} == ids
    assert imagekit.main(["load", "--quiet", str(tmp_path / "nothing.tar")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "dockermagic-images: Cannot read the bundle " + str(tmp_path / "nothing.tar") + \
        ": No such file or directory."


def test_a_standin_from_another_recipe_is_named_after_loading(client, two_images, cleanup, tmp_path):
    refs, ids = two_images
    # Our tiny image inherits the stand-in label from debian:bookworm, but its recipe label is the
    # base's: under a postgres tag it stands for a postgres stand-in built from another recipe.
    ref = cleanup.image(f"postgres:dmtest-{uuid.uuid4().hex[:8]}")
    client.api.tag(refs[1], *ref.split(":"))
    path = str(tmp_path / "old.tar")
    bundles.save(path, [ref, refs[0]], client=client, progress=False, say=lambda line: None)
    client.api.remove_image(ref, noprune=False)
    lines = []
    result = bundles.load(path, client=client, progress=False, say=lines.append)
    assert result.stale == [ref] and client.images.get(ref).id == ids[refs[1]]
    assert lines[-1].startswith(f"Note: {ref} came from other stand-in recipes") and "rebuilds them" in lines[-1]
