"""npm beyond the hand-written catalogue: node-semver ranges, stand-in packages by rule, v1
lockfiles, global installs and npx (docs/package-simulation.md)."""

from __future__ import annotations

import json

import pytest

from tests.engine.catalogue_images import image_tree
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh import run_script
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg import semver
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.npm import name_errors, npm

ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
       "NODE_VERSION": "20.18.3"}


def _project(manifest: dict[str, object]) -> FileTree:
    fs = FileTree()
    write_text(fs, "/usr/local/lib/node_modules/npm/package.json", '{"version": "10.8.2"}\n')
    write_text(fs, "/app/package.json", json.dumps(manifest, indent=2) + "\n")
    return fs


def _npm(fs: FileTree, *args: str, env: dict[str, str] | None = None) -> Process:
    proc = Process(["npm", *args], fs, dict(env or ENV), cwd="/app", world=FakeWorld())
    proc.returncode = npm(proc)  # type: ignore[attr-defined]
    return proc


def _lock(fs: FileTree) -> dict[str, dict[str, object]]:
    return json.loads(read_text(fs, "/app/package-lock.json") or "{}")["packages"]


@pytest.mark.parametrize(
    ("version", "spec", "ok"),
    [
        ("1.2.3-beta.2", "^1.2.3-beta.1", True), ("1.2.4-beta.1", "^1.2.3-beta.1", False),
        ("1.3.0-beta", "^1.2.0", False), ("2.0.0-rc.1", ">=1.0.0", False),
        ("1.0.0-alpha.10", ">1.0.0-alpha.9", True), ("1.0.0-alpha.b", ">1.0.0-alpha.10", True),
        ("0.0.3", "^0.0.3", True), ("0.0.4", "^0.0.3", False), ("1.2.9", "~1.2", True),
        ("1.3.0", "~1.2", False), ("2.9.9", "1.2 - 2", True), ("3.0.0", "1.2 - 2", False),
        ("1.2.3", "1.2.x || >=3", True), ("2.0.0", "1.2.x || >=3", False),
        ("0.5.0", "*", True), ("1.0.0-pre", "*", False), ("4.17.21", "v4.17.21", True),
        ("1.9.9", "<2", True), ("2.0.0", "<=1.x", False), ("1.9.0", ">1.8", True),
    ],
    ids=lambda v: str(v),
)
def test_node_semver(version: str, spec: str, ok: bool) -> None:
    assert semver.satisfies(version, spec) is ok


def test_prerelease_ordering() -> None:
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
             "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
    parsed = [semver.parse(v) for v in order]
    assert sorted(parsed) == parsed  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("name", "errors"),
    [("jest", []), ("@types/node", []), ("JSONStream", []), ("_private", [
        "name cannot start with an underscore"]), ("node_modules", [
            "node_modules is not a valid package name"]), ("a/b", [
                "name can only contain URL-friendly characters"])],
)
def test_name_rules(name: str, errors: list[str]) -> None:
    assert name_errors(name) == errors


def test_unknown_names_install_stand_ins_satisfying_their_ranges() -> None:
    fs = _project({"name": "api", "version": "1.0.0",
                   "dependencies": {"mysql2": "^3.6.0", "express": "^4.17.1",
                                    "@nestjs/core": "~10.3.2"},
                   "devDependencies": {"jest": "^29.7.0"}})
    proc = _npm(fs, "install")
    assert proc.returncode == 0, proc.stderr
    lock = _lock(fs)
    assert semver.satisfies(str(lock["node_modules/mysql2"]["version"]), "^3.6.0")
    assert semver.satisfies(str(lock["node_modules/@nestjs/core"]["version"]), "~10.3.2")
    assert semver.satisfies(str(lock["node_modules/jest"]["version"]), "^29.7.0")
    assert lock["node_modules/jest"]["dev"] is True
    assert lock["node_modules/express"]["version"] == "4.21.2"  # the catalogue's, in range
    pkg = json.loads(read_text(fs, "/app/node_modules/mysql2/package.json") or "")
    assert (pkg["name"], pkg["version"]) == ("mysql2", "3.6.0")
    bin_link = fs.nodes["/app/node_modules/.bin/jest"]
    assert bin_link.target == "../jest/bin/cli.js"
    script = read_text(fs, "/app/node_modules/jest/bin/cli.js") or ""
    assert script.startswith("#!/usr/bin/env node\n")
    again = _project({"name": "api", "dependencies": {"mysql2": "^3.6.0"}})
    _npm(again, "install")
    size = sum(n.size for p, n in fs.nodes.items() if p.startswith("/app/node_modules/mysql2/"))
    size2 = sum(n.size for p, n in again.nodes.items()
                if p.startswith("/app/node_modules/mysql2/"))
    assert size == size2 > 6_000


@pytest.mark.parametrize(
    ("spec", "version"),
    [("left-pad", None), ("left-pad@1.3.0", "1.3.0"), ("left-pad@<2", None),
     ("left-pad@>=1.1 <1.2", None), ("express@4.17.1", "4.17.1"), ("ms@^1.0.0", None)],
)
def test_versions_chosen_by_rule(spec: str, version: str | None) -> None:
    fs = _project({"name": "app"})
    proc = _npm(fs, "install", spec)
    assert proc.returncode == 0, proc.stderr
    name = spec.split("@")[0]
    got = str(_lock(fs)[f"node_modules/{name}"]["version"])
    if version is not None:
        assert got == version
    assert semver.satisfies(got, spec.partition("@")[2] or "*")


@pytest.mark.parametrize(
    "spec", ["express@9", "left-pad@^250.0.0", "express@>4.21.2"],
)
def test_implausible_versions_fail_as_etarget(spec: str) -> None:
    proc = _npm(_project({"name": "app"}), "install", spec)
    assert proc.returncode == 1
    name, _, wanted = spec.partition("@")
    assert proc.stderr.decode().splitlines()[:2] == [
        "npm error code ETARGET",
        f"npm error notarget No matching version found for {name}@{wanted}."]


V1_LOCK = {
    "name": "todo", "version": "1.0.0", "lockfileVersion": 1, "requires": True,
    "dependencies": {
        "express": {"version": "4.17.1", "resolved":
                    "https://registry.npmjs.org/express/-/express-4.17.1.tgz",
                    "integrity": "sha512-mHJ9O79RqluphRr", "requires": {"ms": "2.0.0"}},
        "ms": {"version": "2.0.0"},
        "mysql2": {"version": "2.2.5", "requires": {"lru-cache": "^6.0.0"}},
        "lru-cache": {"version": "6.0.0", "requires": {"yallist": "^4.0.0"},
                      "dependencies": {"yallist": {"version": "4.0.0"}}},
        "nodemon": {"version": "2.0.7", "dev": True},
    },
}
TODO_APP = {"name": "todo", "version": "1.0.0", "main": "src/index.js",
            "scripts": {"start": "node src/index.js"},
            "dependencies": {"express": "^4.17.1", "mysql2": "^2.2.5"},
            "devDependencies": {"nodemon": "^2.0.7"}}


def test_ci_with_a_v1_lockfile_and_omit_dev() -> None:
    fs = _project(TODO_APP)
    write_text(fs, "/app/package-lock.json", json.dumps(V1_LOCK))
    proc = _npm(fs, "ci", "--omit=dev")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    assert err.startswith(
        "npm warn old lockfile\n"
        "npm warn old lockfile The package-lock.json file was created with an old version of "
        "npm,\nnpm warn old lockfile so supplemental metadata must be fetched from the registry."
        "\nnpm warn old lockfile\nnpm warn old lockfile This is a one-time fix-up, please be "
        "patient...\nnpm warn old lockfile\n")
    assert proc.stdout.decode().startswith("\nadded 5 packages, and audited 6 packages in ")
    got = json.loads(read_text(fs, "/app/node_modules/express/package.json") or "")
    assert got["version"] == "4.17.1"
    assert "/app/node_modules/lru-cache/node_modules/yallist/package.json" in fs
    assert "/app/node_modules/nodemon" not in fs
    assert json.loads(read_text(fs, "/app/package-lock.json") or "")["lockfileVersion"] == 1


def test_ci_reports_a_lock_out_of_sync_as_npm_does() -> None:
    fs = _project({**TODO_APP, "dependencies": {"express": "^5.0.0", "mysql2": "^2.2.5",
                                                "cors": "^2.8.5"}})
    write_text(fs, "/app/package-lock.json", json.dumps(V1_LOCK))
    proc = _npm(fs, "ci")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert ("npm error Invalid: lock file's express@4.17.1 does not satisfy express@^5.0.0\n"
            "npm error Missing: cors@^2.8.5 from lock file\n") in err


def test_v2_lockfile_is_honoured_too() -> None:
    fs = _project({"name": "a", "dependencies": {"left-pad": "^1.1.0"}})
    lock = {"name": "a", "lockfileVersion": 2, "requires": True, "packages": {
        "": {"name": "a", "dependencies": {"left-pad": "^1.1.0"}},
        "node_modules/left-pad": {"version": "1.1.3"}},
        "dependencies": {"left-pad": {"version": "1.1.3"}}}
    write_text(fs, "/app/package-lock.json", json.dumps(lock))
    proc = _npm(fs, "ci")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode().find("old lockfile") < 0
    got = json.loads(read_text(fs, "/app/node_modules/left-pad/package.json") or "")
    assert got["version"] == "1.1.3"


def test_node_env_production_skips_dev_dependencies() -> None:
    fs = _project(TODO_APP)
    proc = _npm(fs, "install", env={**ENV, "NODE_ENV": "production"})
    assert proc.returncode == 0
    assert "/app/node_modules/mysql2/package.json" in fs
    assert "/app/node_modules/nodemon" not in fs


def test_global_install_links_commands_into_usr_local_bin() -> None:
    fs = _project({"name": "app"})
    proc = _npm(fs, "install", "-g", "nodemon", "pm2@5")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert out.startswith("\nadded ") and "audited" not in out
    assert fs.nodes["/usr/local/bin/nodemon"].target == (
        "../lib/node_modules/nodemon/bin/nodemon.js")
    assert "/usr/local/lib/node_modules/nodemon/node_modules/chokidar/package.json" in fs
    pm2 = json.loads(read_text(fs, "/usr/local/lib/node_modules/pm2/package.json") or "")
    assert pm2["version"].startswith("5.")
    assert "/app/package-lock.json" not in fs


def test_build_script_and_npx_through_the_node_image_shell() -> None:
    fs = image_tree("node:20-alpine")
    write_text(fs, "/app/package.json", json.dumps({
        "name": "web", "version": "1.0.0",
        "scripts": {"build": "tsc && echo built", "test": "jest --ci"},
        "dependencies": {"express": "^4.21.2"},
        "devDependencies": {"typescript": "^5.7.0", "jest": "^29.7.0"}}))
    result = run_script("npm install && npm run build && npm test && npx cowsay hi && npx tsc -v",
                        fs=fs, env=dict(ENV), cwd="/app",
                        world=FakeWorld())  # type: ignore[arg-type]
    out = result.stdout.decode()
    assert result.exit_code == 0, result.stderr
    assert "\n> web@1.0.0 build\n> tsc && echo built\n\nbuilt\n" in out
    assert "\n> web@1.0.0 test\n> jest --ci\n\n" in out
    err = result.stderr.decode()
    assert "npm warn exec The following package was not found and will be installed: cowsay@" in err
    assert err.count("npm warn exec") == 1
    assert any(p.startswith("/root/.npm/_npx/") and p.endswith("/cowsay/package.json")
               for p in fs.paths())


YARN_LOCK = """# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


left-pad@^1.1.0:
  version "1.1.3"
  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.1.3.tgz#612f61c033f3a9e08e939f1caebeea41b6f3199a"

mysql2@^2.2.5:
  version "2.2.5"
  resolved "https://registry.yarnpkg.com/mysql2/-/mysql2-2.2.5.tgz#72624ffb4816f80f96b9c97fedd8c00935f9f340"
  dependencies:
    denque "^1.4.1"

denque@^1.4.1:
  version "1.5.1"
  resolved "https://registry.yarnpkg.com/denque/-/denque-1.5.1.tgz#07f670e29c9a78f8faecb2566a1e2c11929c5cbf"
"""


def _yarn(fs: FileTree, *args: str) -> Process:
    from tutor.engine.sh.pkg.yarn import yarn

    proc = Process(["yarn", *args], fs, dict(ENV), cwd="/app", world=FakeWorld())
    proc.returncode = yarn(proc)  # type: ignore[attr-defined]
    return proc


def test_yarn_honours_a_v1_yarn_lock_with_frozen_lockfile() -> None:
    fs = _project({"name": "a", "dependencies": {"mysql2": "^2.2.5", "left-pad": "^1.1.0"}})
    write_text(fs, "/app/yarn.lock", YARN_LOCK)
    proc = _yarn(fs, "install", "--frozen-lockfile", "--production")
    assert proc.returncode == 0, proc.stdout
    got = json.loads(read_text(fs, "/app/node_modules/left-pad/package.json") or "")
    assert got["version"] == "1.1.3"
    mysql2 = json.loads(read_text(fs, "/app/node_modules/mysql2/package.json") or "")
    assert mysql2["version"] == "2.2.5"
    assert read_text(fs, "/app/yarn.lock") == YARN_LOCK
    write_text(fs, "/app/package.json", json.dumps(
        {"name": "a", "dependencies": {"mysql2": "^2.2.5", "left-pad": "^1.1.0",
                                       "dotenv": "^16.0.0"}}))
    stale = _yarn(fs, "install", "--frozen-lockfile")
    assert stale.returncode == 1
    assert stale.stderr.decode() == ("error Your lockfile needs to be updated, but yarn was run "
                                     "with `--frozen-lockfile`.\n")


def test_yarn_global_add_links_the_command() -> None:
    fs = _project({"name": "a"})
    proc = _yarn(fs, "global", "add", "serve@14")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().startswith("yarn global v1.22.22\ninfo No lockfile found.\n"
                                           "[1/4] Resolving packages...\n")
    link = fs.nodes["/usr/local/bin/serve"]
    assert link.target == "/usr/local/share/.config/yarn/global/node_modules/serve/bin/cli.js"
    meta = json.loads(read_text(
        fs, "/usr/local/share/.config/yarn/global/node_modules/serve/package.json") or "")
    assert meta["version"].startswith("14.")


def test_tsc_and_nest_build_write_their_output() -> None:
    fs = image_tree("node:20-alpine")
    write_text(fs, "/app/package.json", json.dumps({
        "name": "api", "version": "1.0.0", "scripts": {"build": "tsc", "nest": "nest build"},
        "devDependencies": {"typescript": "^5.7.0", "@nestjs/cli": "^10.0.0"}}))
    write_text(fs, "/app/tsconfig.json", '{"compilerOptions": {"outDir": "./build", '
               '"rootDir": "./src"}}')
    write_text(fs, "/app/src/index.ts", "const port: number = 3000\nconsole.log(port)\n")
    write_text(fs, "/app/src/routes/users.ts", "export const users = []\n")
    result = run_script("npm install && npm run build && npx tsc --version", fs=fs,
                        env=dict(ENV), cwd="/app", world=FakeWorld())  # type: ignore[arg-type]
    assert result.exit_code == 0, result.stderr
    assert (read_text(fs, "/app/build/index.js") or "").startswith('"use strict";\n')
    assert "/app/build/routes/users.js" in fs
    nest = run_script("npm run nest", fs=fs, env=dict(ENV), cwd="/app",
                      world=FakeWorld())  # type: ignore[arg-type]
    assert nest.exit_code == 0 and "/app/build/index.js" in fs  # nest honours outDir too


def test_a_failing_script_is_reported_with_its_status() -> None:
    fs = image_tree("node:20-alpine")
    write_text(fs, "/app/package.json", json.dumps({"name": "api", "scripts": {"build": "exit 3"}}))
    result = run_script("npm run build", fs=fs, env=dict(ENV), cwd="/app",
                        world=FakeWorld())  # type: ignore[arg-type]
    assert result.exit_code == 3
    assert result.stderr.decode().startswith(
        "npm error code 3\nnpm error path /app\nnpm error command failed\n"
        "npm error command sh -c exit 3\nnpm error A complete log of this run can be found in: ")


def test_install_reifies_a_lock_in_sync_and_upgrades_it_to_v3() -> None:
    fs = _project(TODO_APP)
    write_text(fs, "/app/package-lock.json", json.dumps(V1_LOCK))
    proc = _npm(fs, "install")
    assert proc.returncode == 0, proc.stderr
    assert "/app/node_modules/lru-cache/node_modules/yallist/package.json" in fs
    lock = json.loads(read_text(fs, "/app/package-lock.json") or "")
    assert lock["lockfileVersion"] == 3
    assert lock["packages"]["node_modules/express"]["version"] == "4.17.1"


def test_npm_install_g_npm_latest_replaces_the_bundled_npm() -> None:
    fs = image_tree("node:20-alpine")
    result = run_script("npm install -g npm@latest && npm --version && npx --version",
                        fs=fs, env=dict(ENV), cwd="/", world=FakeWorld())  # type: ignore[arg-type]
    assert result.exit_code == 0, result.stderr
    out = result.stdout.decode()
    assert out.startswith("\nchanged 1 package in ")
    assert out.endswith("11.1.0\n11.1.0\n")
    assert "npm notice New" not in result.stderr.decode()


def test_a_lockfile_may_name_releases_newer_than_the_catalogue_knows() -> None:
    # webpack-dev-server's array-flatten@2.1.2 beside express's 1.1.1 (the catalogue's newest):
    # the lockfile came from the real registry, so its exact versions resolve
    fs = _project({"name": "a", "dependencies": {"array-flatten": "^2.1.2"}})
    lock = {"name": "a", "lockfileVersion": 2, "requires": True, "packages": {
        "": {"name": "a", "dependencies": {"array-flatten": "^2.1.2"}},
        "node_modules/array-flatten": {"version": "2.1.2"}},
        "dependencies": {"array-flatten": {"version": "2.1.2"}}}
    write_text(fs, "/app/package-lock.json", json.dumps(lock))
    proc = _npm(fs, "ci")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(read_text(fs, "/app/node_modules/array-flatten/package.json") or "")
    assert got["version"] == "2.1.2"


def test_type_declarations_have_no_command_to_shadow_node() -> None:
    fs = _project({"name": "web", "version": "1.0.0",
                   "dependencies": {"@types/node": "^20.11.0", "left-pad": "^1.3.0"}})
    assert _npm(fs, "install").returncode == 0
    assert "/app/node_modules/@types/node/index.d.ts" in fs
    assert "/app/node_modules/.bin/node" not in fs
    assert "/app/node_modules/.bin/left-pad" in fs
