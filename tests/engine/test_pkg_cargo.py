"""cargo build on a small crate; the binary runs where glibc is, and cargo's failures."""

from __future__ import annotations

from tests.engine.build_trees import tool_env, tool_tree
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh import run_script
from tutor.engine.sh.pkg.catalogue import read_text, write_text

CARGO = """[package]
name = "hello-docker"
version = "0.1.0"
edition = "2021"

[dependencies]
serde = { version = "1.0", features = ["derive"] }
rand = "0.8.5"
"""
MAIN = 'fn main() {\n    println!("Hello from Rust!");\n    print!("bye");\n}\n'


def _project() -> FileTree:
    fs = tool_tree("cargo")
    write_text(fs, "/app/Cargo.toml", CARGO)
    write_text(fs, "/app/src/main.rs", MAIN)
    return fs


def _sh(fs: FileTree, script: str):  # type: ignore[no-untyped-def]
    return run_script(script, fs=fs, env=tool_env(CARGO_HOME="/usr/local/cargo"), cwd="/app",
                      world=FakeWorld())  # type: ignore[arg-type]


def test_release_build_downloads_compiles_and_runs() -> None:
    fs = _project()
    result = _sh(fs, "cargo build --release && ./target/release/hello-docker")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.decode() == "Hello from Rust!\nbye"
    err = result.stderr.decode().splitlines()
    assert err[:3] == ["    Updating crates.io index",
                       "     Locking 2 packages to latest compatible versions",
                       " Downloading crates ..."]
    assert err[3].startswith("  Downloaded rand v0.8.")
    assert "   Compiling hello-docker v0.1.0 (/app)" in err
    assert err[-1].startswith("    Finished `release` profile [optimized] target(s) in ")
    lock = read_text(fs, "/app/Cargo.lock") or ""
    assert '[[package]]\nname = "serde"\nversion = "1.' in lock
    assert any(p.startswith("/usr/local/cargo/registry/cache/") for p in fs.paths())
    again = _sh(fs, "cargo build --release")
    assert "Compiling" not in again.stderr.decode()


def test_binary_needs_glibc_unless_built_for_musl() -> None:
    fs = _project()
    assert _sh(fs, "cargo build --release").exit_code == 0
    fs.remove("/lib64/ld-linux-x86-64.so.2")
    missing = _sh(fs, "./target/release/hello-docker")
    assert missing.exit_code == 127
    musl = _sh(fs, "cargo build --release --target x86_64-unknown-linux-musl && "
                   "./target/x86_64-unknown-linux-musl/release/hello-docker")
    assert musl.stdout.decode() == "Hello from Rust!\nbye"


def test_no_manifest_and_version() -> None:
    fs = tool_tree("cargo")
    fs.makedirs("/app")
    result = _sh(fs, "cargo build")
    assert (result.exit_code, result.stderr.decode()) == (
        101, "error: could not find `Cargo.toml` in `/app` or any parent directory\n")
    assert _sh(fs, "cargo --version").stdout.decode().startswith("cargo 1.84.1 ")


def test_init_lays_out_a_package_named_after_its_directory_then_builds() -> None:
    fs = tool_tree("cargo")
    fs.makedirs("/app")
    result = _sh(fs, "cargo init")
    assert result.exit_code == 0
    assert result.stderr.decode().splitlines()[0] == "    Creating binary (application) package"
    assert read_text(fs, "/app/Cargo.toml") == (
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n')
    assert read_text(fs, "/app/.gitignore") == "/target\n" and "/app/.git/HEAD" in fs
    built = _sh(fs, "cargo build && ./target/debug/app")
    assert built.stdout.decode() == "Hello, world!\n", built.stderr
    again = _sh(fs, "cargo init")
    assert (again.exit_code, again.stderr.decode()) == (
        101, "error: `cargo init` cannot be run on existing Cargo packages\n")


def test_new_makes_the_directory_and_a_library_with_lib() -> None:
    fs = tool_tree("cargo")
    fs.makedirs("/app")
    result = _sh(fs, "cargo new --lib --vcs none mylib")
    assert result.stderr.decode().startswith("    Creating library `mylib` package\n")
    assert "pub fn add(" in (read_text(fs, "/app/mylib/src/lib.rs") or "")
    assert "/app/mylib/.git" not in fs
    assert _sh(fs, "cargo new mylib").exit_code == 101
