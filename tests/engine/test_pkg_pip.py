"""pip install against the shipped PyPI catalogue: output lines, files, cache, errors."""

from __future__ import annotations

import pytest

from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.pip import ROOT_WARNING, matches, pip, size_text

SITE = "/usr/local/lib/python3.12/site-packages"


def _tree() -> FileTree:
    fs = FileTree()
    fs.makedirs(f"{SITE}/pip")
    fs.makedirs("/app")
    return fs


def _pip(fs: FileTree, *args: str, uid: int = 0) -> Process:
    proc = Process(["pip", *args], fs, {"HOME": "/root"}, cwd="/app", uid=uid, world=FakeWorld())
    proc.returncode = pip(proc)  # type: ignore[attr-defined]
    return proc


@pytest.mark.parametrize(
    ("version", "spec", "ok"),
    [("3.1.0", ">=3.1", True), ("3.0.9", ">=3.1", False), ("5.1.6", "~=5.1", True),
     ("6.0", "~=5.1", False), ("2.27.2", "==2.27.2", True), ("4.7.0", "!=4.7.0,>=4.6.0", False),
     ("2.9.0.post0", ">=2.8.2", True), ("3.1.5", "==3.1.*", True), ("1.37.0", "<1.37.0", False)],
    ids=lambda v: str(v),
)
def test_specifiers(version: str, spec: str, ok: bool) -> None:
    assert matches(version, spec) is ok


@pytest.mark.parametrize(("size", "text"), [(2700, "2.7 kB"), (102_000, "102 kB"),
                                            (12_700_000, "12.7 MB"), (900, "900 bytes")])
def test_size_text(size: int, text: str) -> None:
    assert size_text(size) == text


def test_install_flask_prints_what_pip_25_prints() -> None:
    fs = _tree()
    proc = _pip(fs, "install", "flask")
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 0
    assert lines[:4] == [
        "Collecting flask",
        "  Downloading flask-3.1.0-py3-none-any.whl.metadata (2.7 kB)",
        "Collecting Werkzeug>=3.1 (from flask)",
        "  Downloading werkzeug-3.1.3-py3-none-any.whl.metadata (3.7 kB)",
    ]
    assert "Collecting MarkupSafe>=2.0 (from Jinja2>=3.1.2->flask)" in lines
    assert lines[-2] == ("Installing collected packages: MarkupSafe, itsdangerous, click, "
                         "blinker, Werkzeug, Jinja2, flask")
    assert lines[-1] == ("Successfully installed Jinja2-3.1.5 MarkupSafe-3.0.2 Werkzeug-3.1.3 "
                         "blinker-1.9.0 click-8.1.8 flask-3.1.0 itsdangerous-2.2.0")
    assert proc.stderr.decode() == ROOT_WARNING
    assert "/usr/local/bin/flask" in fs
    assert (read_text(fs, f"{SITE}/flask-3.1.0.dist-info/METADATA") or "").startswith(
        "Metadata-Version: 2.4\nName: flask\nVersion: 3.1.0\n")
    cache = [p for p in fs.paths() if p.startswith("/root/.cache/pip/http-v2/")
             and p.endswith(".body")]
    assert len(cache) == 14
    again = _pip(fs, "install", "flask")
    assert again.stdout.decode() == (
        f"Requirement already satisfied: flask in {SITE} (3.1.0)\n")


def test_requirements_file_no_cache_and_big_wheels_show_a_bar() -> None:
    fs = _tree()
    write_text(fs, "/app/requirements.txt", "# deps\npandas==2.2.3\n")
    proc = _pip(fs, "install", "--no-cache-dir", "-r", "requirements.txt")
    out = proc.stdout.decode()
    assert out.startswith("Collecting pandas==2.2.3 (from -r requirements.txt (line 2))\n")
    assert "Collecting numpy>=1.26.0 (from pandas==2.2.3->-r requirements.txt (line 2))\n" in out
    assert ("Downloading numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl "
            "(16.1 MB)\n   " + "━" * 40 + " 16.1/16.1 MB 20.0 MB/s eta 0:00:00\n") in out
    assert not any(p.startswith("/root/.cache") for p in fs.paths())
    size = sum(fs.nodes[p].size for p in fs.walk(f"{SITE}/pandas"))
    assert 69_000_000 < size <= 70_200_000
    assert proc.seconds > (12.7e6 + 16.1e6) / 20e6


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (["install", "nope==250.1"], "ERROR: Could not find a version that satisfies the "
         "requirement nope==250.1 (from versions: 8.5.0)\nERROR: No matching distribution found "
         "for nope==250.1\n"),
        (["install", "flask==9.0"], "ERROR: Could not find a version that satisfies the "
         "requirement flask==9.0 (from versions: 3.1.0)\nERROR: No matching distribution found "
         "for flask==9.0\n"),
        (["install", "-r", "missing.txt"], "ERROR: Could not open requirements file: [Errno 2] "
         "No such file or directory: 'missing.txt'\n"),
    ],
    ids=["implausible-stand-in", "no-version", "no-requirements-file"],
)
def test_errors(args: list[str], err: str) -> None:
    proc = _pip(_tree(), *args)
    assert proc.returncode == 1
    assert proc.stderr.decode() == err


def test_upgrade_pip_is_already_satisfied_and_user_install_skips_warning() -> None:
    fs = _tree()
    proc = _pip(fs, "install", "--upgrade", "pip")
    assert proc.stdout.decode() == f"Requirement already satisfied: pip in {SITE} (25.0.1)\n"
    user = _pip(fs, "install", "--user", "six")
    assert user.stderr == b""
    assert "/root/.local/lib/python3.12/site-packages/six-1.17.0.dist-info/RECORD" in fs
