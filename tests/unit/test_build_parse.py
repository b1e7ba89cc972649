from dockermagic.build import from_images


def test_from_images_skips_stages_and_platform():
    text = "FROM --platform=linux/amd64 node:14-alpine AS builder\nRUN x\nFROM builder AS t\nFROM nginx:stable-alpine\n"
    assert from_images(text) == ["node:14-alpine", "nginx:stable-alpine"]


def test_from_images_skips_scratch():
    assert from_images("from scratch\n") == []
