"""The image kit against the real engine: reuse, caching, failures that leave nothing behind."""

from __future__ import annotations

import io
import time

import docker
import pytest

from dockermagic.engine import imagekit
from dockermagic.errors import ImageKitError


def test_warm_rerun_takes_seconds(client, images):
    started = time.monotonic()
    result = imagekit.ensure_images(client=client, pull=False, say=lambda line: None)
    assert set(result.values()) <= {"present", "pulled"}
    assert time.monotonic() - started < 5


def test_another_tag_of_a_known_repository_reuses_the_standin(client, images, cleanup):
    ref = cleanup.image("postgres:9.99-dmtest")
    assert imagekit.ensure_image(ref, client=client, pull=False, say=lambda line: None) == "reused"
    assert client.images.get(ref).id == client.images.get("postgres:13").id
    notice = imagekit.standin_notice(ref, client=client)
    assert notice and "postgresql-15" in notice


def test_an_image_built_on_a_standin_gets_no_notice(client, images, cleanup):
    ref = cleanup.image("dmtest-built-on-standin:1")
    client.images.build(fileobj=io.BytesIO(b"FROM debian:bookworm\nLABEL x=y\n"), tag=ref, rm=True)
    assert imagekit.STANDIN_LABEL in client.images.get(ref).labels  # inherited from the stand-in base
    assert imagekit.standin_notice(ref, client=client) is None
    assert imagekit.standin_notice("debian:bookworm", client=client)


def test_unknown_image_without_registry_is_one_sentence(client):
    with pytest.raises(ImageKitError, match="no stand-in recipe"):
        imagekit.ensure_image("dmtest-no-such-image:1", client=client, pull=False, say=lambda line: None)


def test_failed_build_leaves_no_tag_and_no_container(client, images):
    base = client.images.get(imagekit.BASE_IMAGE).id

    def build_containers():
        return {c["Id"] for c in client.api.containers(all=True, filters={"ancestor": base})}

    before = build_containers()
    files = {"Dockerfile": f"FROM {imagekit.BASE_IMAGE}\nRUN echo half-way && false\n".encode()}
    with pytest.raises(ImageKitError, match="half-way|returned a non-zero code"):
        imagekit.build_context(client, files, labels={}, say=lambda line: None)
    assert build_containers() <= before


def test_pull_is_tried_once_then_remembered(client, monkeypatch):
    monkeypatch.setattr(imagekit, "_registry_unreachable", False)
    monkeypatch.delenv("DOCKERMAGIC_NO_PULL", raising=False)
    calls = []
    real_pull = client.api.pull

    def counting_pull(*args, **kwargs):
        calls.append(args)
        raise docker.errors.APIError("lookup registry-1.docker.io: no such host")

    monkeypatch.setattr(client.api, "pull", counting_pull)
    lines = []
    assert imagekit.try_pull("dmtest-x:1", client=client, say=lines.append) is False
    assert imagekit.try_pull("dmtest-y:1", client=client, say=lines.append) is False
    assert len(calls) == 1 and "no registry answers" in lines[0]
    monkeypatch.setattr(client.api, "pull", real_pull)
