"""Output primitives against values from the Go sources (go-units, docker/cli tests) and docs."""

from __future__ import annotations

import re

import pytest

from tutor.dockercli.format import (
    bytes_size,
    created_since,
    ellipsis,
    go_json,
    go_quote,
    history_created_since,
    human_duration,
    human_size,
    human_size_precision,
    inspect_json,
    progress_bytes,
    render_table,
    tabwrite,
    truncate_id,
)
from tutor.engine.gotext import quote_list


@pytest.mark.parametrize(
    ("size", "expected"),
    [(0, "0B"), (12, "12B"), (999, "999B"), (1000, "1kB"), (1234, "1.23kB"),
     (7_800_000, "7.8MB"), (7_381_000, "7.38MB"), (12_345_678, "12.3MB"),
     (1_090_000_000, "1.09GB"), (999_600, "1e+03kB")],
    ids=lambda v: str(v),
)
def test_human_size_precision_3(size: int, expected: str) -> None:
    assert human_size_precision(size, 3) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    # go-units size_test.go TestHumanSize
    [(1000, "1kB"), (1024, "1.024kB"), (1_000_000, "1MB"), (1_048_576, "1.049MB"),
     (2 * 1000 * 1000, "2MB"), (3.42 * 1e9, "3.42GB"), (5.372 * 1e12, "5.372TB"),
     (2.22 * 1e15, "2.22PB"), (1e21, "1ZB"), (1093, "1.093kB"),
     (226_900_000, "226.9MB")],
    ids=lambda v: str(v),
)
def test_human_size(size: float, expected: str) -> None:
    assert human_size(size) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    # go-units size_test.go TestBytesSize
    [(1024, "1KiB"), (1024 * 1024, "1MiB"), (1_048_576, "1MiB"), (2 * 1024 * 1024, "2MiB"),
     (3.42 * 1024 ** 3, "3.42GiB"), (5.372 * 1024 ** 4, "5.372TiB"), (2.22 * 1024 ** 5, "2.22PiB")],
    ids=lambda v: str(v),
)
def test_bytes_size(size: float, expected: str) -> None:
    assert bytes_size(size) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    # tonistiigi/units doc examples and BuildKit transfer lines
    [(0, "0B"), (2, "2B"), (154, "154B"), (999, "999B"), (1234, "1.23kB"), (1200, "1.20kB"),
     (3_640_000, "3.64MB"), (1000, "1.00kB")],
    ids=lambda v: str(v),
)
def test_progress_bytes(size: int, expected: str) -> None:
    assert progress_bytes(size) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    # go-units duration_test.go
    [(0.5, "Less than a second"), (1, "1 second"), (1.9, "1 second"), (2, "2 seconds"),
     (59, "59 seconds"), (60, "About a minute"), (119, "About a minute"),
     (120, "2 minutes"), (59 * 60 + 59, "59 minutes"), (60 * 60, "About an hour"),
     (89 * 60, "About an hour"), (90 * 60, "2 hours"), (47 * 3600, "47 hours"),
     (47 * 3600 + 1800, "2 days"), (48 * 3600, "2 days"), (13 * 86400, "13 days"),
     (14 * 86400, "2 weeks"), (59 * 86400, "8 weeks"), (60 * 86400, "2 months"),
     (729 * 86400, "24 months"), (730 * 86400, "2 years"), (3 * 365 * 86400, "3 years"),
     (-5, "Less than a second")],
    ids=lambda v: str(v),
)
def test_human_duration(seconds: float, expected: str) -> None:
    assert human_duration(seconds) == expected


def test_created_since() -> None:
    assert created_since(1_000_000, 1_000_010) == "10 seconds ago"
    assert created_since(None, 5) == "N/A"
    assert history_created_since(946684800, 2e9) == "N/A"
    assert history_created_since(946684801 + 3600, 946684801 + 3 * 3600) == "2 hours ago"


@pytest.mark.parametrize(
    ("image_id", "expected"),
    # docker/cli displayutils_test.go TestTruncateID
    [("", ""), ("1234", "1234"),
     ("90435eec5c4e124e741ef731e118be2fc799a68aba0466ec17717f24ce2ae6a2", "90435eec5c4e"),
     ("sha256:90435eec5c4e124e741ef731e118be2fc799a68aba0466ec17717f24ce2ae6a2", "90435eec5c4e")],
    ids=["empty", "short", "full", "digest"],
)
def test_truncate_id(image_id: str, expected: str) -> None:
    assert truncate_id(image_id) == expected


@pytest.mark.parametrize(
    ("source", "width", "expected"),
    # docker/cli displayutils_test.go TestEllipsis
    [("t🐳ststring", 0, ""), ("t🐳ststring", 1, "t"), ("t🐳ststring", 2, "t…"),
     ("t🐳ststring", 6, "t🐳st…"), ("t🐳ststring", 20, "t🐳ststring"),
     ("你好世界teststring", 0, ""), ("你好世界teststring", 1, "你"),
     ("你好世界teststring", 3, "你…"), ("你好世界teststring", 6, "你好…"),
     ("你好世界teststring", 20, "你好世界teststring"),
     ("/docker-entrypoint.sh nginx -g 'daemon off;'", 20, "/docker-entrypoint.…"),
     ("short", 20, "short")],
)
def test_ellipsis(source: str, width: int, expected: str) -> None:
    assert ellipsis(source, width) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sh", '"sh"'), ('a"b\\c', '"a\\"b\\\\c"'), ("tab\there\n", '"tab\\there\\n"'),
     ("\x00\x7f", '"\\x00\\x7f"'), ("é🐳", '"é🐳"'), ("\u00a0\u200b", '"\\u00a0\\u200b"'),
     ("\a\b\f\r\v", '"\\a\\b\\f\\r\\v"'), ("a\udcffb", '"a\\xffb"')],
    ids=["plain", "quote-backslash", "tab-newline", "control", "unicode", "nbsp-zwsp", "short",
         "invalid-utf8-byte"],
)
def test_go_quote(text: str, expected: str) -> None:
    assert go_quote(text) == expected


def test_go_quote_list_as_buildkit_history() -> None:
    assert "CMD " + quote_list(["node", "app.js"]) == 'CMD ["node" "app.js"]'
    assert quote_list([]) == "[]"


def test_go_json_escaping() -> None:
    value = {"b": "a && b <c>", "a": "\u2028\b\x01", "n": [1, 0.5, 1e21, 1e-7, 7812345.0]}
    assert go_json(value, escape_html=False) == (
        '{"b":"a && b <c>","a":"\\u2028\\b\\u0001","n":[1,0.5,1e+21,1e-7,7812345]}'
    )
    assert go_json("<&>", escape_html=True) == '"\\u003c\\u0026\\u003e"'


def test_inspect_json_shape() -> None:
    out = inspect_json([{"Id": "sha256:x", "RepoTags": ["app:1"], "RepoDigests": [],
                         "Config": {"Cmd": ["/bin/sh", "-c", "a && b"], "ExposedPorts":
                                    {"8000/tcp": {}}}, "Size": 7812345, "Parent": None}])
    assert out == """[
    {
        "Id": "sha256:x",
        "RepoTags": [
            "app:1"
        ],
        "RepoDigests": [],
        "Config": {
            "Cmd": [
                "/bin/sh",
                "-c",
                "a && b"
            ],
            "ExposedPorts": {
                "8000/tcp": {}
            }
        },
        "Size": 7812345,
        "Parent": null
    }
]
"""
    assert inspect_json([]) == "[]\n"


IMAGES = """REPOSITORY   TAG       IMAGE ID       CREATED          SIZE
app          1         3f1c5e0a9b2d   10 seconds ago   7.81MB
alpine       3.20      9c6f07244728   3 weeks ago      7.8MB
"""

PS_EMPTY = "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n"

HISTORY = """IMAGE          CREATED          CREATED BY                SIZE      COMMENT
3f1c5e0a9b2d   10 seconds ago   CMD ["python" "app.py"]   0B        buildkit.dockerfile.v0
<missing>      3 weeks ago      /bin/sh                   7.8MB     \n"""

# docker/cli formatter/image_test.go (TestImageContextWrite, table format)
CLI_GOLDEN = """REPOSITORY   TAG       IMAGE ID   CREATED        SIZE
image        tag1      imageID1   24 hours ago   0B
image        tag2      imageID2   N/A            0B
<none>       <none>    imageID3   24 hours ago   0B
"""


@pytest.mark.parametrize(
    ("expected",),
    [(IMAGES,), (PS_EMPTY,), (HISTORY,), (CLI_GOLDEN,)],
    ids=["images", "ps-empty", "history-empty-comment", "cli-golden"],
)
def test_render_table_matches_real_output(expected: str) -> None:
    rows = [[c.strip() for c in _split_cells(line)] for line in expected.splitlines()]
    assert render_table(rows) == expected


def _split_cells(line: str) -> list[str]:
    """Split an aligned line back into cells on runs of 3+ spaces (or a trailing run)."""
    return re.split(r" {3,}|(?<=\S) {2,}$", line)


def test_tabwriter_column_blocks_and_wide_runes() -> None:
    # A column only spans consecutive lines that have a cell there.
    assert tabwrite("a\tb\tc\nlong-cell-x\n1\t2\n") == (
        "a         b         c\nlong-cell-x\n1         2\n"
    )
    # Wide characters count two cells.
    assert tabwrite("你好世界你好\tx\nab\ty\n") == "你好世界你好   x\nab             y\n"
    # A form feed ends every column.
    assert tabwrite("a\tb\fxxxxxxxxxxxx\tc\n") == "a         b\nxxxxxxxxxxxx   c\n"
