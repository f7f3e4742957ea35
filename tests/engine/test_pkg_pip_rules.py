"""pip beyond the hand-written catalogue: stand-ins, pins, markers, constraints and local
projects (docs/package-simulation.md)."""

from __future__ import annotations

import pytest

from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.pip import ROOT_WARNING, marker_holds, parse_requirement, pip, python

SITE = "/usr/local/lib/python3.12/site-packages"


def _tree() -> FileTree:
    fs = FileTree()
    fs.makedirs(f"{SITE}/pip")
    fs.makedirs("/app")
    return fs


def _pip(fs: FileTree, *args: str, program: object = pip) -> Process:
    proc = Process(["pip", *args], fs, {"HOME": "/root"}, cwd="/app", world=FakeWorld())
    proc.returncode = program(proc)  # type: ignore[attr-defined, operator]
    return proc


def _versions(fs: FileTree) -> dict[str, str]:
    found = {}
    for name in fs.listdir(SITE):
        if name.endswith(".dist-info"):
            project, version = name[: -len(".dist-info")].rsplit("-", 1)
            found[project] = version
    return found


def test_flask_sample_with_pins_and_gunicorn() -> None:
    fs = _tree()
    write_text(fs, "/app/requirements.txt", "Flask==2.0.1\ngunicorn\nmysql-connector-python==8.0.26"
               "\n")
    proc = _pip(fs, "install", "--no-cache-dir", "-r", "requirements.txt")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert lines[:2] == ["Collecting Flask==2.0.1 (from -r requirements.txt (line 1))",
                         "  Downloading flask-2.0.1-py3-none-any.whl.metadata (2.7 kB)"]
    assert "Collecting mysql-connector-python==8.0.26 (from -r requirements.txt (line 3))" in lines
    assert "Collecting Werkzeug (from Flask==2.0.1->-r requirements.txt (line 1))" in lines
    assert lines[-1].startswith("Successfully installed ")
    assert "Flask-2.0.1" in lines[-1] and "mysql-connector-python-8.0.26" in lines[-1]
    assert proc.stderr.decode() == ROOT_WARNING
    versions = _versions(fs)
    assert versions["flask"] == "2.0.1"
    assert versions["gunicorn"] == "23.0.0"
    assert versions["mysql_connector_python"] == "8.0.26"
    assert f"{SITE}/mysql_connector_python/__init__.py" in fs
    meta = read_text(fs, f"{SITE}/flask-2.0.1.dist-info/METADATA") or ""
    assert "Requires-Dist: Werkzeug\n" in meta


@pytest.mark.parametrize(
    ("req", "versions"),
    [("flask==99", "3.1.0"), ("flask>3.1", "3.1.0"), ("Django>=6", "5.1.6"),
     ("left-pad==2030.1", "7.0.4")],
)
def test_versions_no_index_could_have_fail_as_pip_says(req: str, versions: str) -> None:
    proc = _pip(_tree(), "install", req)
    assert proc.returncode == 1
    assert proc.stderr.decode() == (
        f"ERROR: Could not find a version that satisfies the requirement {req} (from versions: "
        f"{versions})\nERROR: No matching distribution found for {req}\n")


@pytest.mark.parametrize(
    ("req", "version"),
    [("requests<2", None), ("attrs~=21.4", None), ("Django==4.2.*", None),
     ("flask>=1,<2", None), ("numpy==1.26.4", "1.26.4"), ("rich", None)],
)
def test_specifiers_are_honoured_by_stand_ins(req: str, version: str | None) -> None:
    from tutor.engine.sh.pkg.pip import canonical, matches

    fs = _tree()
    proc = _pip(fs, "install", req)
    assert proc.returncode == 0, proc.stderr
    parsed = parse_requirement(req)
    assert parsed is not None
    got = _versions(fs)[canonical(parsed.name).replace("-", "_")]
    assert matches(got, parsed.specifier)
    if version is not None:
        assert got == version


def test_markers_extras_and_normalised_names() -> None:
    assert marker_holds('python_version < "3.8"', "3.12") is False
    assert marker_holds('sys_platform == "linux" and python_version >= "3.10"', "3.12")
    assert marker_holds('(os_name == "nt" or platform_system == "Linux")', "3.12")
    assert marker_holds('extra == "socks"', "3.12", ("socks",))
    fs = _tree()
    write_text(fs, "/app/requirements.txt",
               'pywin32==306 ; sys_platform == "win32"\nrequests[socks] >= 2.31\n'
               'typing_extensions; python_version < "3.8"\nPyYAML\n')
    proc = _pip(fs, "install", "-r", "requirements.txt")
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr
    assert ("Ignoring pywin32: markers 'sys_platform == \"win32\"' don't match your "
            "environment\n") in out
    assert "Collecting requests[socks]>=2.31 (from -r requirements.txt (line 2))" in out
    versions = _versions(fs)
    assert "pywin32" not in versions and "typing_extensions" not in versions
    assert "pyyaml" in versions


def test_constraints_file_limits_versions() -> None:
    fs = _tree()
    write_text(fs, "/app/constraints.txt", "Werkzeug<3\n")
    proc = _pip(fs, "install", "-c", "constraints.txt", "Werkzeug")
    assert proc.returncode == 0, proc.stderr
    assert _versions(fs)["werkzeug"].startswith("2.")


def test_invalid_requirement() -> None:
    proc = _pip(_tree(), "install", "flask=2")
    assert proc.returncode == 1
    assert proc.stderr.decode() == "ERROR: Invalid requirement: 'flask=2'\n"


def test_pip_install_dot_builds_the_project() -> None:
    fs = _tree()
    write_text(fs, "/app/pyproject.toml", '[build-system]\nrequires = ["setuptools"]\n\n'
               '[project]\nname = "todo-api"\nversion = "0.3.0"\ndependencies = ["fastapi",'
               ' "uvicorn[standard]>=0.30"]\n')
    write_text(fs, "/app/todo_api/__init__.py", "")
    write_text(fs, "/app/todo_api/main.py", "app = None\n")
    proc = _pip(fs, "install", "--no-cache-dir", ".")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert out.startswith(
        "Processing /app\n  Installing build dependencies: started\n"
        "  Installing build dependencies: finished with status 'done'\n")
    assert "Collecting fastapi (from todo-api==0.3.0)\n" in out
    assert ("Building wheels for collected packages: todo-api\n"
            "  Building wheel for todo-api (pyproject.toml): started\n") in out
    assert "  Created wheel for todo-api: filename=todo_api-0.3.0-py3-none-any.whl size=" in out
    assert "\nSuccessfully built todo-api\n" in out
    assert "todo-api-0.3.0" in out.splitlines()[-1]
    assert read_text(fs, f"{SITE}/todo_api/main.py") == "app = None\n"
    assert f"{SITE}/todo_api-0.3.0.dist-info/METADATA" in fs


def test_editable_setup_py_project_and_missing_project() -> None:
    fs = _tree()
    write_text(fs, "/app/setup.py", "from setuptools import setup\nsetup(name='svc', "
               "version='1.2', install_requires=['click>=8'])\n")
    write_text(fs, "/app/src/svc/__init__.py", "")
    proc = _pip(fs, "install", "-e", ".")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert out.startswith("Obtaining file:///app\n")
    assert "  Building editable for svc (setup.py): started\n" in out
    assert read_text(fs, f"{SITE}/__editable__.svc-1.2.pth") == "/app/src\n"
    empty = _tree()
    bad = _pip(empty, "install", ".")
    assert bad.returncode == 1
    assert bad.stderr.decode() == ("ERROR: Directory '.' is not installable. Neither 'setup.py' "
                                   "nor 'pyproject.toml' found.\n")


def test_python_dash_m_pip() -> None:
    fs = _tree()
    proc = Process(["python", "-m", "pip", "install", "--user", "six"], fs, {"HOME": "/root"},
                   cwd="/app", world=FakeWorld())
    assert python(proc) == 0
    assert proc.stdout.decode().endswith("Successfully installed six-1.17.0\n")


def test_downgrade_uninstalls_the_old_release_first() -> None:
    fs = _tree()
    _pip(fs, "install", "six")
    proc = _pip(fs, "install", "six==1.16.0")
    assert proc.stdout.decode().splitlines()[-6:] == [
        "Installing collected packages: six",
        "  Attempting uninstall: six",
        "    Found existing installation: six 1.17.0",
        "    Uninstalling six-1.17.0:",
        "      Successfully uninstalled six-1.17.0",
        "Successfully installed six-1.16.0"]
    assert _versions(fs)["six"] == "1.16.0"


def test_virtual_environment_in_the_python_image() -> None:
    from tests.engine.catalogue_images import image_tree
    from tutor.engine.sh import run_script

    fs = image_tree("python:3.12-slim")
    write_text(fs, "/app/requirements.txt", "flask\n")
    env = {"PATH": "/opt/venv/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": "/root", "PYTHON_VERSION": "3.12.9"}
    result = run_script("python -m venv /opt/venv && pip install -r requirements.txt && "
                        "/opt/venv/bin/python -m pip install six && python --version",
                        fs=fs, env=env, cwd="/app", world=FakeWorld())  # type: ignore[arg-type]
    assert result.exit_code == 0, result.stderr
    assert result.stderr.decode().find("Running pip as the 'root' user") < 0
    assert result.stdout.decode().endswith("Successfully installed six-1.17.0\nPython 3.12.9\n")
    venv_site = "/opt/venv/lib/python3.12/site-packages"
    assert f"{venv_site}/flask-3.1.0.dist-info/METADATA" in fs
    assert f"{venv_site}/pip-25.0.1.dist-info/METADATA" in fs
    assert "/opt/venv/bin/flask" in fs
    assert (read_text(fs, "/opt/venv/bin/flask") or "").startswith("#!/opt/venv/bin/python\n")
    assert not any(p.startswith("/usr/local/lib/python3.12/site-packages/flask") for p in
                   fs.paths())
    assert (read_text(fs, "/opt/venv/pyvenv.cfg") or "").startswith("home = /usr/local/bin\n")


def test_vcs_requirements_need_git() -> None:
    fs = _tree()
    write_text(fs, "/app/requirements.txt",
               "git+https://github.com/acme/tools.git@v1.2#egg=acme-tools\n"
               "six @ git+https://github.com/benjaminp/six.git\n")
    proc = _pip(fs, "install", "-r", "requirements.txt")
    assert proc.returncode == 1
    assert proc.stderr.decode() == ("ERROR: Cannot find command 'git' - do you have 'git' "
                                    "installed and in your PATH?\n")
    write_text(fs, "/usr/bin/git", "", mode=0o755)
    proc = Process(["pip", "install", "-r", "requirements.txt"], fs,
                   {"HOME": "/root", "PATH": "/usr/bin"}, cwd="/app", world=FakeWorld())
    assert pip(proc) == 0, proc.stderr
    out = proc.stdout.decode()
    assert out.startswith("Collecting git+https://github.com/acme/tools.git@v1.2#egg=acme-tools"
                          " (from -r requirements.txt (line 1))\n  Cloning https://github.com/"
                          "acme/tools.git@v1.2 to /tmp/pip-install-")
    assert ("Collecting six@ git+https://github.com/benjaminp/six.git (from -r requirements.txt "
            "(line 2))\n") in out
    assert "acme_tools" in "".join(_versions(fs))


def test_freeze_list_show_uninstall() -> None:
    fs = _tree()
    _pip(fs, "install", "flask==2.0.1")
    freeze = _pip(fs, "freeze").stdout.decode().splitlines()
    assert "flask==2.0.1" in freeze and "Werkzeug==3.1.3" in freeze
    assert not any(line.startswith("pip==") for line in freeze)
    listing = _pip(fs, "list").stdout.decode().splitlines()
    assert listing[0].split() == ["Package", "Version"]
    assert set(listing[1]) <= {"-", " "}
    shown = _pip(fs, "show", "werkzeug").stdout.decode()
    assert "Name: Werkzeug\nVersion: 3.1.3\n" in shown and "Required-by: flask\n" in shown
    gone = _pip(fs, "uninstall", "-y", "flask")
    assert gone.stdout.decode() == ("Found existing installation: flask 2.0.1\nUninstalling "
                                    "flask-2.0.1:\n  Successfully uninstalled flask-2.0.1\n")
    assert "flask" not in _versions(fs)
    assert f"{SITE}/flask" not in fs


@pytest.mark.parametrize(("url", "name"), [
    ("https://github.com/maurosoria/dirsearch/archive/refs/heads/master.zip", "dirsearch"),
    ("https://gitlab.com/acme/tool-kit/-/archive/main/tool-kit-main.tar.gz", "tool-kit"),
    ("https://example.org/dist/requests-2.31.0.tar.gz", "requests"),
    ("https://example.org/wheels/attrs-23.1.0-py3-none-any.whl", "attrs"),
    ("https://example.org/x/master.zip#egg=named", "named"),
])
def test_a_bare_archive_url_is_named_as_its_address_shows(url: str, name: str) -> None:
    req = parse_requirement(url)
    assert req is not None and (req.name, req.url) == (name, url.split("#")[0])


def test_an_archive_url_is_downloaded_and_built_into_a_wheel() -> None:
    fs = _tree()
    url = "https://github.com/maurosoria/dirsearch/archive/refs/heads/master.zip"
    proc = _pip(fs, "install", "--no-cache-dir", url)
    assert proc.returncode == 0, proc.stderr  # type: ignore[attr-defined]
    out = proc.stdout.decode()
    assert out.startswith(f"Collecting {url}\n  Downloading {url}\n"
                          "  Installing build dependencies: started\n")
    assert "Building wheels for collected packages: dirsearch\n" in out
    assert "Successfully built dirsearch\n" in out
    assert "dirsearch" in _versions(fs)
