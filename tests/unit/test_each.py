"""The many-names loop behind rm, rmi, volume rm and network rm."""

import docker
import pytest

from dockermagic.engine.each import for_each
from dockermagic.errors import CommandError, DockerMagicError


def test_empty_names_and_first_failure_are_one_sentence():
    with pytest.raises(CommandError, match=r"^'docker rmi' needs at least one image\.$"):
        for_each([], print, command="rmi", kind="image", doing="remove")
    done = []

    def act(name):
        if name == "b":
            raise docker.errors.NotFound("No such image: b")
        done.append(name)

    with pytest.raises(DockerMagicError, match=r"^Docker could not remove image b: No such image: b\.$"):
        for_each(["a", "b", "c"], act, command="rmi", kind="image", doing="remove")
    assert done == ["a"]  # like the CLI: what came before the failure stays done


def test_a_sentence_from_deeper_down_passes_unchanged():
    def act(name):
        raise DockerMagicError(f"Docker could not find container {name}: gone.")

    with pytest.raises(DockerMagicError, match=r"^Docker could not find container x: gone\.$"):
        for_each(["x"], act, command="rm", kind="container", doing="rm")
