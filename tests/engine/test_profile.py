"""The Docker profile of a state directory: default, saved choice, environment pin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutor.engine.profile import (
    DEFAULT,
    PROFILE_ENV,
    PROFILE_FILE,
    BadProfile,
    Profile,
    choose,
    load_profile,
    parse_profile,
)


def test_default_is_docker_29_with_the_containerd_store(tmp_path: Path) -> None:
    profile = load_profile(tmp_path)
    assert profile == DEFAULT == Profile(29, "containerd")
    assert profile.containerd_store and profile.release.version.startswith("29.")


@pytest.mark.parametrize(("spec", "expected"), [
    ("29", Profile(29, "containerd")), ("28", Profile(28, "classic")),
    ("29/classic", Profile(29, "classic")), ("28/containerd", Profile(28, "containerd")),
    (" 28 ", Profile(28, "classic")),
])
def test_parse(spec: str, expected: Profile) -> None:
    assert parse_profile(spec) == expected


@pytest.mark.parametrize("spec", ["27", "", "29/overlay2", "latest", "29/"])
def test_parse_rejects(spec: str) -> None:
    if spec == "29/":  # a trailing slash names no store: the release's default
        assert parse_profile(spec) == Profile(29, "containerd")
        return
    with pytest.raises(BadProfile):
        parse_profile(spec)


def test_choice_is_saved_and_a_new_release_takes_its_default_store(tmp_path: Path) -> None:
    assert choose(tmp_path, "28", None) == Profile(28, "classic")
    assert json.loads((tmp_path / PROFILE_FILE).read_text()) == {"docker": 28, "store": "classic"}
    assert load_profile(tmp_path) == Profile(28, "classic")
    assert choose(tmp_path, None, "containerd") == Profile(28, "containerd"), "store alone"
    assert choose(tmp_path, "29", "classic") == Profile(29, "classic")
    assert choose(tmp_path, None, None) == Profile(29, "classic"), "nothing given keeps it"
    assert choose(tmp_path, "29", None) == Profile(29, "containerd")


def test_environment_pin_wins_over_the_saved_choice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    choose(tmp_path, "28", None)
    monkeypatch.setenv(PROFILE_ENV, "29/classic")
    assert load_profile(tmp_path) == Profile(29, "classic")
    monkeypatch.setenv(PROFILE_ENV, "nonsense")
    assert load_profile(tmp_path) == Profile(28, "classic"), "a bad pin is ignored"


@pytest.mark.parametrize("content", [b"{oops", b'{"docker": 27, "store": "classic"}', b"[1]"])
def test_unreadable_or_wrong_file_means_the_default(tmp_path: Path, content: bytes) -> None:
    (tmp_path / PROFILE_FILE).write_bytes(content)
    assert load_profile(tmp_path) == DEFAULT


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    choose(tmp_path, "28", "containerd")
    assert [p.name for p in tmp_path.iterdir()] == [PROFILE_FILE]
