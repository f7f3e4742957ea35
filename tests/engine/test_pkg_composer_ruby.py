"""composer install, gem install and bundle install by rule, with their real wording."""

from __future__ import annotations

import json

from tests.engine.build_trees import tool_env, tool_tree
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh import run_script
from tutor.engine.sh.pkg import semver
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.composer import to_range as composer_range
from tutor.engine.sh.pkg.ruby import to_range as gem_range

COMPOSER_JSON = {"name": "acme/app", "require": {"php": "^8.2", "ext-pdo": "*",
                                                  "monolog/monolog": "^3.5",
                                                  "guzzlehttp/guzzle": "^7.8"},
                 "require-dev": {"phpunit/phpunit": "^10.5"}}


def _sh(fs: FileTree, script: str, **env: str):  # type: ignore[no-untyped-def]
    return run_script(script, fs=fs, env=tool_env(**env), cwd="/app",
                      world=FakeWorld())  # type: ignore[arg-type]


def test_ranges() -> None:
    assert composer_range("^7.0 | ^8.0") == "^7.0 || ^8.0"
    assert composer_range(">=1.0, <2.0") == ">=1.0 <2.0"
    assert gem_range(["~> 7.1.0"]) == "~7.1.0"
    assert gem_range(["~> 3.2"]) == "^3.2"
    assert semver.satisfies("3.9.1", gem_range(["~> 3.2"]))


def test_composer_install_without_then_with_lock() -> None:
    fs = tool_tree("composer", "php")
    write_text(fs, "/app/composer.json", json.dumps(COMPOSER_JSON))
    first = _sh(fs, "composer install --no-interaction", COMPOSER_ALLOW_SUPERUSER="1")
    assert first.exit_code == 0, first.stderr
    err = first.stderr.decode()
    assert err.startswith("No composer.lock file present. Updating dependencies to latest "
                          "instead of installing from lock file.")
    assert "Lock file operations: 3 installs, 0 updates, 0 removals\n" in err
    assert "Installing dependencies from lock file (including require-dev)\n" in err
    assert err.endswith("Generating autoload files\n")
    assert "/app/vendor/autoload.php" in fs and "/app/vendor/monolog/monolog/composer.json" in fs
    lock = json.loads(read_text(fs, "/app/composer.lock") or "")
    assert [p["name"] for p in lock["packages-dev"]] == ["phpunit/phpunit"]
    assert semver.satisfies(lock["packages"][1]["version"], "^3.5")
    fresh = tool_tree("composer", "php")
    write_text(fresh, "/app/composer.json", json.dumps(COMPOSER_JSON))
    write_text(fresh, "/app/composer.lock", read_text(fs, "/app/composer.lock") or "")
    second = _sh(fresh, "composer install --no-dev --optimize-autoloader")
    err = second.stderr.decode()
    assert err.startswith("Do not run Composer as root/super user! See "
                          "https://getcomposer.org/root for details\nInstalling dependencies "
                          "from lock file\nVerifying lock file contents can be installed on "
                          "current platform.\nPackage operations: 2 installs, 0 updates, 0 "
                          "removals\n")
    assert "Generating optimized autoload files\n" in err
    assert "/app/vendor/phpunit" not in fresh


def test_composer_without_composer_json() -> None:
    fs = tool_tree("composer")
    fs.makedirs("/app")
    result = _sh(fs, "composer install", COMPOSER_ALLOW_SUPERUSER="1")
    assert (result.exit_code, result.stderr.decode()) == (
        1, "Composer could not find a composer.json file in /app\nTo initialize a project, "
           "please create a composer.json file. See https://getcomposer.org/basic-usage\n")


def test_gem_install() -> None:
    fs = tool_tree("gem", "ruby")
    write_text(fs, "/usr/local/etc/gemrc", "install: --no-document\nupdate: --no-document\n")
    result = _sh(fs, "gem install rails -v 7.1.3 && gem install bundler",
                 GEM_HOME="/usr/local/bundle")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.decode().startswith(
        "Fetching rails-7.1.3.gem\nSuccessfully installed rails-7.1.3\n1 gem installed\n")
    assert "/usr/local/bundle/specifications/rails-7.1.3.gemspec" in fs
    assert fs.nodes["/usr/local/bundle/bin/rails"].mode == 0o755


GEMFILE = """source "https://rubygems.org"

ruby "3.3.0"

gem "sinatra", "~> 3.1"
gem "puma", ">= 6.0"

group :development, :test do
  gem "rspec"
end
"""


def test_bundle_install_without_development_and_test() -> None:
    fs = tool_tree("bundle", "ruby")
    write_text(fs, "/app/Gemfile", GEMFILE)
    env = {"GEM_HOME": "/usr/local/bundle", "BUNDLE_SILENCE_ROOT_WARNING": "1"}
    result = _sh(fs, "bundle config set --local without 'development test' && bundle install",
                 **env)
    out = result.stdout.decode()
    assert result.exit_code == 0, result.stderr
    assert result.stderr == b""
    assert out.startswith("Fetching gem metadata from https://rubygems.org/...........\n"
                          "Resolving dependencies...\n")
    assert "Installing sinatra 3." in out and "rspec" not in out
    assert ("Bundle complete! 3 Gemfile dependencies, 3 gems now installed.\nGems in the groups "
            "'development' and 'test' were not installed.\n") in out
    lock = read_text(fs, "/app/Gemfile.lock") or ""
    assert "    sinatra (3." in lock and "  sinatra (~> 3.1)\n" in lock
    again = _sh(fs, "bundle install", **env)
    assert "Fetching gem metadata" not in again.stdout.decode()
    assert "Using sinatra 3." in again.stdout.decode()
