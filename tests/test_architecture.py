"""The engine stands alone: importing it (or the docker front door) never loads the UI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tutor.engine

UI_MODULES = ("textual", "rich", "tutor.ui")


def _loaded_after_importing(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_engine_imports_no_ui() -> None:
    engine_modules = [
        m.name for m in pkgutil.walk_packages(tutor.engine.__path__, prefix="tutor.engine.")
    ]
    assert engine_modules, "the engine package has modules"
    loaded = _loaded_after_importing(["tutor.engine", *engine_modules])
    assert not {m for m in loaded if m.split(".")[0] in UI_MODULES or m.startswith("tutor.ui")}


def test_engine_imports_only_the_standard_library() -> None:
    engine_modules = [
        m.name for m in pkgutil.walk_packages(tutor.engine.__path__, prefix="tutor.engine.")
    ]
    loaded = _loaded_after_importing(["tutor.engine", *engine_modules])
    baseline = _loaded_after_importing([])
    third_party = {
        m.split(".")[0]
        for m in loaded - baseline
        if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "tutor"
    }
    assert not third_party


def test_docker_front_door_imports_no_ui() -> None:
    loaded = _loaded_after_importing(["tutor.cli", "tutor.dockercli", "tutor.dockercli.commands"])
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}
    assert "tutor.ui" not in loaded
