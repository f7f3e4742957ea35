"""npm install/ci/run/cache against the shipped registry, directly and through the image's shell."""

from __future__ import annotations

import json

import pytest

from tests.engine.catalogue_images import image_tree
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh import run_script
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.npm import Change, duration, npm, satisfies, summary

ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
       "NODE_VERSION": "20.18.3"}
EXPRESS_APP = {"name": "app", "version": "1.0.0", "dependencies": {"express": "^4.21.2"}}



def _project(manifest: dict[str, object] | None = EXPRESS_APP) -> FileTree:
    fs = FileTree()
    write_text(fs, "/usr/local/lib/node_modules/npm/package.json", '{"version": "10.8.2"}\n')
    if manifest is not None:
        write_text(fs, "/app/package.json", json.dumps(manifest, indent=2) + "\n")
    return fs


def _npm(fs: FileTree, *args: str, world: object = "default") -> Process:
    proc = Process(["npm", *args], fs, dict(ENV), cwd="/app",
                   world=FakeWorld() if world == "default" else world)  # type: ignore[arg-type]
    proc.returncode = npm(proc)  # type: ignore[attr-defined]
    return proc


def _lock(fs: FileTree) -> dict[str, dict[str, object]]:
    return json.loads(read_text(fs, "/app/package-lock.json") or "{}")["packages"]


@pytest.mark.parametrize(
    ("version", "spec", "ok"),
    [
        ("4.21.2", "^4.21.2", True), ("5.0.0", "^4.21.2", False), ("1.3.9", "~1.3.8", True),
        ("1.4.0", "~1.3.8", False), ("0.25.3", "^0.25.0", True), ("0.26.0", "^0.25.0", False),
        ("2.1.3", "2.1.3", True), ("2.1.2", "2.1.3", False), ("9.9.9", "*", True),
        ("4.4.0", "4.x", True), ("2.2.0", ">=2.1.2 <3", True), ("3.0.0", ">=2.1.2 <3", False),
        ("1.0.0", "^2 || ^1", True), ("1.5.0", "1.2.0 - 1.5.0", True),
    ],
    ids=lambda v: str(v),
)
def test_semver_ranges(version: str, spec: str, ok: bool) -> None:
    assert satisfies(version, spec) is ok


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (Change(added=1, audited=2), "\nadded 1 package, and audited 2 packages in 2s\n\n"
         "found 0 vulnerabilities\n"),
        (Change(added=69, audited=70, funding=1), "\nadded 69 packages, and audited 70 packages "
         "in 2s\n\n1 package is looking for funding\n  run `npm fund` for details\n\n"
         "found 0 vulnerabilities\n"),
        (Change(audited=70),
         "\nup to date, audited 70 packages in 2s\n\nfound 0 vulnerabilities\n"),
        (Change(added=1, removed=2, audited=3), "\nadded 1 package, removed 2 packages, and "
         "audited 3 packages in 2s\n\nfound 0 vulnerabilities\n"),
    ],
    ids=["singular", "funding-singular", "up-to-date", "added-removed"],
)
def test_summary_wording(change: Change, text: str) -> None:
    assert summary(change, 1.6) == text


@pytest.mark.parametrize(("seconds", "text"), [(0.4567, "457ms"), (2.6, "3s"), (95, "2m")])
def test_duration_like_ms_package(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_install_express_hoists_and_nests_conflicts() -> None:
    fs = _project()
    proc = _npm(fs, "install")
    out = proc.stdout.decode()
    assert proc.returncode == 0
    lock = _lock(fs)
    count = len(lock) - 1
    assert out.startswith(f"\nadded {count} packages, and audited {count + 1} packages in ")
    funded = sum(1 for e in lock.values() if "funding" in e)
    assert f"\n{funded} packages are looking for funding\n  run `npm fund` for details\n" in out
    assert out.endswith("\nfound 0 vulnerabilities\n")
    assert lock["node_modules/ms"]["version"] == "2.0.0"
    assert lock["node_modules/send/node_modules/ms"]["version"] == "2.1.3"
    assert lock["node_modules/send/node_modules/encodeurl"]["version"] == "1.0.2"
    assert lock["node_modules/encodeurl"]["version"] == "2.0.0"
    assert lock["node_modules/express"]["resolved"] == (
        "https://registry.npmjs.org/express/-/express-4.21.2.tgz")
    assert str(lock["node_modules/express"]["integrity"]).startswith("sha512-")
    assert lock[""]["dependencies"] == {"express": "^4.21.2"}
    pkg = json.loads(read_text(fs, "/app/node_modules/express/package.json") or "")
    assert (pkg["name"], pkg["version"], pkg["license"]) == ("express", "4.21.2", "MIT")
    assert pkg["dependencies"]["body-parser"] == "1.20.3"
    size = sum(fs.nodes[p].size for p in fs.walk("/app/node_modules/express")
               if fs.nodes[p].type == "file")
    assert size == 220_800
    assert "/app/node_modules/.package-lock.json" in fs
    cached = [p for p in fs.paths() if p.startswith("/root/.npm/_cacache/content-v2/")]
    assert len(cached) > count
    assert any(p.startswith("/root/.npm/_logs/") for p in fs.paths())
    assert proc.stderr.decode() == (
        "npm notice\nnpm notice New major version of npm available! 10.8.2 -> 11.1.0\n"
        "npm notice Changelog: https://github.com/npm/cli/releases/tag/v11.1.0\n"
        "npm notice To update run: npm install -g npm@11.1.0\nnpm notice\n"
    )


def test_install_is_deterministic() -> None:
    a, b = _project(), _project()
    _npm(a, "install")
    _npm(b, "install")
    for path in a.paths():
        if path.startswith("/app/"):
            assert a.nodes[path].content == b.nodes[path].content or (
                a.nodes[path].content.read() == b.nodes[path].content.read())  # type: ignore[union-attr]
    assert sorted(p for p in a.paths() if p.startswith("/app")) == sorted(
        p for p in b.paths() if p.startswith("/app"))


def test_install_named_package_saves_caret_range_and_second_run_is_up_to_date() -> None:
    fs = _project({"name": "app", "version": "1.0.0"})
    proc = _npm(fs, "install", "lodash")
    assert proc.stdout.decode().startswith("\nadded 1 package, and audited 2 packages in ")
    manifest = json.loads(read_text(fs, "/app/package.json") or "")
    assert manifest["dependencies"] == {"lodash": "^4.17.21"}
    again = _npm(fs, "install")
    assert again.stdout.decode().startswith("\nup to date, audited 2 packages in ")


def test_dev_dependencies_are_marked_and_omitted() -> None:
    fs = _project({"name": "app", "dependencies": {"cors": "^2.8.5"},
                   "devDependencies": {"nodemon": "^3.1.9"}})
    _npm(fs, "install", "--omit=dev")
    lock = _lock(fs)
    assert lock["node_modules/nodemon"]["dev"] is True
    assert "dev" not in lock["node_modules/vary"]
    assert "/app/node_modules/nodemon" not in fs
    assert "/app/node_modules/cors/package.json" in fs
    full = _project({"name": "app", "devDependencies": {"nodemon": "^3.1.9"}})
    _npm(full, "install")
    assert full.get("/app/node_modules/.bin/nodemon") is not None
    assert full.nodes["/app/node_modules/.bin/nodemon"].target == "../nodemon/bin/nodemon.js"


def test_ci_without_lock_is_eusage() -> None:
    proc = _npm(_project(), "ci")
    err = proc.stderr.decode().splitlines()
    assert proc.returncode == 1
    assert err[:4] == [
        "npm error code EUSAGE",
        "npm error The `npm ci` command can only install with an existing package-lock.json or",
        "npm error npm-shrinkwrap.json with lockfileVersion >= 1. Run an install with npm@5 or",
        "npm error later to generate a package-lock.json file, then try again.",
    ]
    assert err[-1].startswith("npm error A complete log of this run can be found in: "
                              "/root/.npm/_logs/")
    assert err[-1].endswith("-debug-0.log")


def test_ci_installs_exactly_the_lock_and_replaces_node_modules() -> None:
    fs = _project()
    _npm(fs, "install")
    write_text(fs, "/app/node_modules/stale/index.js", "x")
    proc = _npm(fs, "ci")
    assert proc.returncode == 0
    assert "/app/node_modules/stale" not in fs
    assert proc.stdout.decode().startswith("\nadded 69 packages, and audited 70 packages in ")


def test_ci_out_of_sync_lock() -> None:
    fs = _project()
    _npm(fs, "install")
    write_text(fs, "/app/package.json", json.dumps({"dependencies": {"express": "^4.21.2",
                                                                     "cors": "^2.8.5"}}))
    proc = _npm(fs, "ci")
    assert proc.returncode == 1
    assert "npm error Missing: cors@^2.8.5 from lock file\n" in proc.stderr.decode()


@pytest.mark.parametrize(
    ("args", "first_lines"),
    [
        (["install", ".nope"], ["npm error code EINVALIDPACKAGENAME",
                                'npm error Invalid package name ".nope" of package ".nope@*": '
                                "name cannot start with a period."]),
        (["install", "my package@^1"], [
            "npm error code EINVALIDPACKAGENAME",
            'npm error Invalid package name "my package" of package "my package@^1": name can '
            "only contain URL-friendly characters."]),
        (["install", "express@9"], ["npm error code ETARGET",
                                    "npm error notarget No matching version found for express@9."]),
    ],
    ids=["name-starts-with-period", "name-with-space", "no-matching-version"],
)
def test_errors(args: list[str], first_lines: list[str]) -> None:
    proc = _npm(_project(), *args)
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines()[: len(first_lines)] == first_lines
    assert proc.stdout == b""


def test_cache_clean_needs_force() -> None:
    fs = _project()
    _npm(fs, "install")
    refused = _npm(fs, "cache", "clean")
    assert refused.returncode == 1
    assert "npm error with --force.\n" in refused.stderr.decode()
    forced = _npm(fs, "cache", "clean", "--force")
    assert forced.returncode == 0
    assert forced.stderr.decode() == "npm warn using --force Recommended protections disabled.\n"
    assert not any(p.startswith("/root/.npm/_cacache") for p in fs.paths())


def test_missing_script() -> None:
    proc = _npm(_project(), "run", "build")
    assert proc.stderr.decode().startswith(
        'npm error Missing script: "build"\nnpm error\nnpm error To see a list of scripts, run:\n'
        "npm error   npm run\n")


def test_through_the_node_alpine_shell() -> None:
    fs = image_tree("node:20-alpine")
    write_text(fs, "/app/package.json", json.dumps({
        "name": "web", "version": "1.0.0", "scripts": {"build": "echo building"},
        "dependencies": {"express": "^4.21.2"}}))
    env = dict(ENV)
    result = run_script("npm ci || npm install && npm run build", fs=fs, env=env, cwd="/app",
                        world=FakeWorld())  # type: ignore[arg-type]
    out = result.stdout.decode()
    assert result.exit_code == 0, result.stderr
    assert "npm error code EUSAGE" in result.stderr.decode()
    assert "\nadded 69 packages, and audited 70 packages in " in out
    assert out.endswith("\n> web@1.0.0 build\n> echo building\n\nbuilding\n")
    assert result.seconds > 1
