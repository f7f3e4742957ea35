"""`tutor serve`'s command line: refusals in plain words, and the address it prints."""

from __future__ import annotations

import io
import ipaddress
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tutor.cli import main
from tutor.serve.address import public_url


@pytest.mark.parametrize(("args", "message"), [
    (["--class", "Monday!"], "'Monday!' is not a class name"),
    (["--port", "0"], "--port must be 1-65535"),
    (["--idle", "0"], "--idle more than 0"),
])
def test_bad_options_are_refused(args: list[str], message: str, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    assert main(["--state", str(tmp_path), "serve", *args]) == 2
    assert message in err.getvalue()


def test_the_printed_url_names_the_bound_address() -> None:
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert public_url("10.1.2.3", 80) == "http://10.1.2.3/"


def test_a_wildcard_bind_prints_a_real_interface_address() -> None:
    host = urlsplit(public_url("0.0.0.0", 8000)).hostname
    assert host is not None
    assert not ipaddress.ip_address(host).is_unspecified


def test_without_textual_serve_it_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tutor.serve.server", None)  # as if not installed
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    assert main(["--state", str(tmp_path), "serve"]) == 1
    assert "pip install 'image-tutor[serve]'" in err.getvalue()


def test_tutor_help_fits_an_80_column_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "serve [OPTIONS]" in out.getvalue()
    assert [line for line in out.getvalue().splitlines() if len(line) > 80] == []
