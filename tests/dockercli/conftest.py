"""Run `docker …` through the real front door, in-process, on an isolated sandbox."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tutor.dockercli import main


@dataclass
class Result:
    status: int
    out: str
    err: str


Docker = Callable[..., Result]


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@pytest.fixture
def docker(isolated_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Docker:
    """`docker("build", "-t", "app:1", ".", cwd=path, stdin="…")` → Result(status, stdout,
    stderr)."""
    monkeypatch.setenv("TUTOR_DEBUG", "1")

    def run(*argv: str, cwd: Path | None = None, state: Path | None = None,
            stdin: str = "") -> Result:
        out, err = io.StringIO(), io.StringIO()
        with _cwd(cwd or tmp_path):
            status = main(list(argv), state=state or isolated_state, stdout=out, stderr=err,
                          tty=False, stdin=io.TextIOWrapper(io.BytesIO(stdin.encode())))
        return Result(status, out.getvalue(), err.getvalue())

    return run


def write(root: Path, files: dict[str, str]) -> Path:
    """Create files under `root` (parents made), returning `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
