"""Poetry installed with pip, then `poetry install` as Dockerfiles run it."""

from __future__ import annotations

import pytest

from tests.engine.catalogue_images import image_tree
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.sh import run_script
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.pip import matches
from tutor.engine.sh.pkg.poetry import to_specifier

PYPROJECT = """[tool.poetry]
name = "todo-api"
version = "0.1.0"
description = ""
authors = ["Dev <dev@example.com>"]

[tool.poetry.dependencies]
python = "^3.12"
fastapi = "^0.110.0"
uvicorn = {extras = ["standard"], version = "^0.29.0"}

[tool.poetry.group.dev.dependencies]
pytest = "^8.0"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""
ENV = {"PATH": "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
       "PYTHON_VERSION": "3.12.9"}
SITE = "/usr/local/lib/python3.12/site-packages"


@pytest.mark.parametrize(
    ("constraint", "specifier"),
    [("^1.2.3", ">=1.2.3,<2"), ("^0.110.0", ">=0.110.0,<0.111"), ("~1.2", ">=1.2,<1.3"),
     ("*", ""), ("2.0.1", "==2.0.1"), (">=1.0,<2.0", ">=1.0,<2.0")],
)
def test_constraints(constraint: str, specifier: str) -> None:
    assert to_specifier(constraint) == specifier


def test_pip_install_poetry_then_poetry_install_into_the_system() -> None:
    fs = image_tree("python:3.12-slim")
    write_text(fs, "/app/pyproject.toml", PYPROJECT)
    result = run_script(
        "pip install --no-cache-dir poetry==1.8.3 && poetry config virtualenvs.create false && "
        "poetry install --no-root --no-interaction --without dev",
        fs=fs, env=ENV, cwd="/app", world=FakeWorld())  # type: ignore[arg-type]
    out = result.stdout.decode()
    assert result.exit_code == 0, result.stderr
    assert "Successfully installed poetry-1.8.3\n" in out
    assert "Updating dependencies\nResolving dependencies...\n\nPackage operations: " in out
    assert "  - Installing fastapi (" in out and "pytest" not in out
    assert out.endswith("\nWriting lock file\n")
    versions = dict(n.removesuffix(".dist-info").rsplit("-", 1) for n in fs.listdir(SITE)
                    if n.endswith(".dist-info"))
    assert matches(versions["fastapi"], ">=0.110.0,<0.111")
    assert "starlette" in versions  # fastapi's catalogued dependencies come along
    lock = read_text(fs, "/app/poetry.lock") or ""
    assert '[[package]]\nname = "fastapi"\nversion = "0.110.' in lock
    again = run_script("poetry install --no-root", fs=fs, env=ENV, cwd="/app",
                       world=FakeWorld())  # type: ignore[arg-type]
    assert again.stdout.decode().startswith("Installing dependencies from lock file\n\n")


def test_poetry_default_virtualenv() -> None:
    fs = image_tree("python:3.12-slim")
    write_text(fs, "/app/pyproject.toml", PYPROJECT)
    result = run_script("pip install poetry && poetry install --only main",
                        fs=fs, env=ENV, cwd="/app", world=FakeWorld())  # type: ignore[arg-type]
    out = result.stdout.decode()
    assert result.exit_code == 0, result.stderr
    assert "Creating virtualenv todo-api-" in out
    assert out.endswith("\nInstalling the current project: todo-api (0.1.0)\n")
    assert any(p.startswith("/root/.cache/pypoetry/virtualenvs/todo-api-") and
               p.endswith("/site-packages/fastapi/__init__.py") for p in fs.paths())


PIPFILE = """[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
flask = "==2.0.1"
gunicorn = "*"

[dev-packages]
pytest = "*"
"""


def test_pipenv_install_system_deploy() -> None:
    fs = image_tree("python:3.12-slim")
    write_text(fs, "/app/Pipfile", PIPFILE)
    first = run_script("pip install pipenv && pipenv install --system", fs=fs, env=ENV,
                       cwd="/app", world=FakeWorld())  # type: ignore[arg-type]
    assert first.exit_code == 0, first.stderr
    err = first.stderr.decode()
    assert "Pipfile.lock not found, creating...\n" in err
    assert "Installing dependencies from Pipfile.lock (" in err
    assert f"{SITE}/flask-2.0.1.dist-info/METADATA" in fs
    assert not any("pytest" in p for p in fs.listdir(SITE))
    deploy = run_script("pipenv install --system --deploy", fs=fs, env=ENV, cwd="/app",
                        world=FakeWorld())  # type: ignore[arg-type]
    assert deploy.exit_code == 0, deploy.stderr
    assert "Pipfile.lock not found" not in deploy.stderr.decode()
    write_text(fs, "/app/Pipfile", PIPFILE.replace("==2.0.1", "==2.0.2"))
    stale = run_script("pipenv install --system --deploy", fs=fs, env=ENV, cwd="/app",
                       world=FakeWorld())  # type: ignore[arg-type]
    assert stale.exit_code == 1
    assert stale.stderr.decode().endswith("ERROR:: Aborting deploy\n")
