""".dockerignore reading and matching, Go's path.Match and the Go regexp subset behind patterns.

The match tables follow the cases moby/patternmatcher and Go's path package test (rewritten here
as our own tables); the filter tables follow fsutil's walk: exceptions inside an excluded
directory, and when an excluded directory is skipped whole.
"""

from __future__ import annotations

import posixpath
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.engine import _gopath
from tutor.engine._dockerignore import (
    IgnoreFilter,
    PatternMatcher,
    filter_paths,
    parse_dockerignore,
)
from tutor.engine._goregexp import compile_go
from tutor.engine.errors import ContextError

# --- reading the file -----------------------------------------------------------------------------

READ_CASES = [
    ("empty", b"", ()),
    ("comment-column-0", b"# note\n*.log\n", ("*.log",)),
    ("hash-after-space-is-a-pattern", b" #x\n", ("#x",)),
    ("trimmed", b"  *.tmp \t\n", ("*.tmp",)),
    ("crlf", b"a\r\nb\r\n", ("a", "b")),
    ("bom-first-line", b"\xef\xbb\xbfnode_modules\n", ("node_modules",)),
    ("bom-later-line-kept", b"a\n\xef\xbb\xbfb\n", ("a", "\ufeffb")),
    ("cleaned", b"foo/../bar//baz/\n", ("bar/baz",)),
    ("leading-slash", b"/build\n", ("build",)),
    ("dot-slash", b"./src/*.o\n", ("src/*.o",)),
    ("lone-slash-kept", b"/\n", ("/",)),
    ("exception", b"!keep.txt\n", ("!keep.txt",)),
    ("exception-spaces", b"!  /a/./b \n", ("!a/b",)),
    ("lone-bang", b"!\n", ("!",)),
    ("blank-lines", b"\n\n  \na\n", ("a",)),
    ("no-final-newline", b"a\nb", ("a", "b")),
    ("dotdot-kept", b"../x\n", ("../x",)),
    ("nbsp-is-space", "\u00a0x\u00a0\n".encode(), ("x",)),
]


@pytest.mark.parametrize("data,expected", [c[1:] for c in READ_CASES],
                         ids=[c[0] for c in READ_CASES])
def test_parse_dockerignore(data: bytes, expected: tuple[str, ...]) -> None:
    assert parse_dockerignore(data) == expected


def test_line_too_long_fails_like_bufio_scanner() -> None:
    assert parse_dockerignore(b"a" * 65535) == ("a" * 65535,)
    with pytest.raises(ContextError) as err:
        parse_dockerignore(b"ok\n" + b"a" * 65536 + b"\n", "Dockerfile.dockerignore")
    assert err.value.message == (
        "failed to read dockerignore patterns: failed parsing Dockerfile.dockerignore: "
        "bufio.Scanner: token too long"
    )


# --- Go's path.Match ------------------------------------------------------------------------------

GO_MATCH = [
    ("abc", "abc", True), ("*", "abc", True), ("*c", "abc", True), ("a*", "a", True),
    ("a*", "abc", True), ("a*", "ab/c", False), ("a*/b", "abc/b", True), ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True), ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False), ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True), ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("ab[c]", "abc", True), ("ab[b-d]", "abc", True), ("ab[e-g]", "abc", False),
    ("ab[^c]", "abc", False), ("ab[^b-d]", "abc", False), ("ab[^e-g]", "abc", True),
    ("a\\*b", "a*b", True), ("a\\*b", "ab", False), ("a?b", "a☺b", True), ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False), ("a[^a][^a][^a]b", "a☺b", False), ("[a-ζ]*", "α", True),
    ("*[a-ζ]", "A", False), ("a?b", "a/b", False), ("a*b", "a/b", False), ("[\\]a]", "]", True),
    ("[\\-]", "-", True), ("[x\\-]", "x", True), ("[x\\-]", "-", True), ("[x\\-]", "z", False),
    ("[\\-x]", "x", True), ("[\\-x]", "-", True), ("[\\-x]", "a", False), ("*x", "xxx", True),
    ("[!a]", "!", True), ("[!a]", "b", False),
]
GO_BAD = ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "ab[", "*[",
          "a*[", "[\\", "x[]y"]


@pytest.mark.parametrize("pattern,name,expected", GO_MATCH,
                         ids=[f"{p}~{n}" for p, n, _ in GO_MATCH])
def test_go_path_match(pattern: str, name: str, expected: bool) -> None:
    assert _gopath.match(pattern, name) is expected


@pytest.mark.parametrize("pattern", GO_BAD)
def test_go_path_match_reports_bad_patterns_even_without_a_match(pattern: str) -> None:
    with pytest.raises(_gopath.BadPatternError) as err:
        _gopath.match(pattern, "zzz")
    assert err.value.message == "syntax error in pattern"


CLEAN = [("", "."), (".", "."), ("/", "/"), ("a/b/", "a/b"), ("a//b", "a/b"), ("./a", "a"),
         ("a/../..", ".."), ("../a/..", ".."), ("/../a", "/a"), ("a/./b/../c", "a/c"),
         ("//x", "/x"), ("..", "..")]


@pytest.mark.parametrize("path,expected", CLEAN, ids=[c[0] or "empty" for c in CLEAN])
def test_go_clean(path: str, expected: str) -> None:
    assert _gopath.clean(path) == expected


# --- one pattern, patternmatcher's table ---------------------------------------------------------

SINGLE = [
    ("**", "file", True), ("**", "file/", True), ("**/", "file", True), ("**/", "file/", True),
    ("**", "/", True), ("**/", "/", True), ("**", "dir/file", True), ("**/", "dir/file", True),
    ("**", "dir/file/", True), ("**/", "dir/file/", True), ("**/**", "dir/file", True),
    ("**/**", "dir/file/", True), ("dir/**", "dir/file", True), ("dir/**", "dir/file/", True),
    ("dir/**", "dir/dir2/file", True), ("dir/**", "dir/dir2/file/", True),
    ("**/dir", "dir", True), ("**/dir", "dir/file", True), ("**/dir2/*", "dir/dir2/file", True),
    ("**/dir2/*", "dir/dir2/file/", True), ("**/dir2/**", "dir/dir2/dir3/file", True),
    ("**/dir2/**", "dir/dir2/dir3/file/", True), ("**file", "file", True),
    ("**file", "dir/file", True), ("**/file", "dir/file", True), ("**file", "dir/dir/file", True),
    ("**/file", "dir/dir/file", True), ("**/file*", "dir/dir/file", True),
    ("**/file*", "dir/dir/file.txt", True), ("**/file*txt", "dir/dir/file.txt", True),
    ("**/file*.txt", "dir/dir/file.txt", True), ("**/file*.txt*", "dir/dir/file.txt", True),
    ("**/**/*.txt", "dir/dir/file.txt", True), ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("**/*.txt", "file.txt", True), ("**/**/*.txt", "file.txt", True),
    ("a**/*.txt", "a/file.txt", True), ("a**/*.txt", "a/dir/file.txt", True),
    ("a**/*.txt", "a/dir/dir/file.txt", True), ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True), ("a/*.txt**", "a/file.txt", True),
    ("a[b-d]e", "ae", False), ("a[b-d]e", "ace", True), ("a[b-d]e", "aae", False),
    ("a[^b-d]e", "aze", True), (".*", ".foo", True), (".*", "foo", False),
    ("abc.def", "abcdef", False), ("abc.def", "abc.def", True), ("abc.def", "abcZdef", False),
    ("abc?def", "abcZdef", True), ("abc?def", "abcdef", False), ("a\\\\", "a\\", True),
    ("**/foo/bar", "foo/bar", True), ("**/foo/bar", "dir/foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True), ("abc/**", "abc", False),
    ("abc/**", "abc/def", True), ("abc/**", "abc/def/ghi", True), ("**/.foo", ".foo", True),
    ("**/.foo", "bar.foo", False), ("a(b)c/def", "a(b)c/def", True),
    ("a(b)c/def", "a(b)c/xyz", False), ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("a\\*b", "a*b", True),
    # A directory pattern also matches what is inside it.
    ("docs", "docs/README.md", True), ("docs/", "docs/README.md", True),
    ("*.go", "fileutils.go", True), ("*", "fileutils.go", True), ("*.go", "a/b.go", False),
    # Regexp quirks Docker really has: escapes and classes keep their Go regexp meaning.
    ("a\\d", "a5", True), ("a\\d", "ad", False), ("[[:digit:]]x", "7x", True),
    ("[[:digit:]]x", "ax", False), ("a^b*", "a^bc", False), ("**/x\\.y", "d/x.y", True),
    ("[*]", "]", True), ("[*]", "*", False),
]


@pytest.mark.parametrize("pattern,path,expected", SINGLE,
                         ids=[f"{p}~{t}" for p, t, _ in SINGLE])
def test_single_pattern(pattern: str, path: str, expected: bool) -> None:
    assert PatternMatcher([pattern]).matches_or_parent_matches(path) is expected


MULTI = [
    ("exception-after", ["*.go", "!fileutils.go"], "fileutils.go", False),
    ("exception-before-loses", ["!fileutils.go", "*.go"], "fileutils.go", True),
    ("last-match-wins", ["**", "!util/docker/web", "util/docker/web/foo"],
     "util/docker/web/foo", True),
    ("exception-dir", ["**", "!util/docker/web"], "util/docker/web/foo", False),
    ("exception-wheel", ["**", "!dist/*.whl"],
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
    ("no-patterns", [], "any/path", False),
    ("blank-patterns", ["", "  "], "x", False),
]


@pytest.mark.parametrize("patterns,path,expected", [c[1:] for c in MULTI],
                         ids=[c[0] for c in MULTI])
def test_several_patterns(patterns: list[str], path: str, expected: bool) -> None:
    assert PatternMatcher(patterns).matches_or_parent_matches(path) is expected


# --- what a walk sends ----------------------------------------------------------------------------

TREE = ["Dockerfile", ".dockerignore", "docs/README.md", "docs/guide/intro.md", "docs/x.tmp",
        "src/main.go", "src/main_test.go", "vendor/lib/lib.go", "node_modules/a/index.js",
        "web/node_modules/b/index.js", "build/", "secret.env"]

FILTERS = [
    ("nothing-excluded", [], TREE, None),
    ("file-and-dir", ["secret.env", "build"], TREE,
     [".dockerignore", "Dockerfile", "docs/", "docs/README.md", "docs/guide/",
      "docs/guide/intro.md", "docs/x.tmp", "node_modules/", "node_modules/a/",
      "node_modules/a/index.js", "src/",
      "src/main.go", "src/main_test.go", "vendor/", "vendor/lib/", "vendor/lib/lib.go", "web/",
      "web/node_modules/", "web/node_modules/b/", "web/node_modules/b/index.js"]),
    ("exception-inside-excluded-dir", ["docs", "!docs/README.md"],
     ["docs/README.md", "docs/x.tmp", "a"], ["a", "docs/", "docs/README.md"]),
    ("exception-deeper", ["docs", "!docs/guide/intro.md"],
     ["docs/README.md", "docs/guide/intro.md", "docs/guide/other.md"],
     ["docs/", "docs/guide/", "docs/guide/intro.md"]),
    ("exception-dir-reincludes-tree", ["docs", "!docs/guide"],
     ["docs/README.md", "docs/guide/a.md", "docs/guide/sub/b.md"],
     ["docs/", "docs/guide/", "docs/guide/a.md", "docs/guide/sub/", "docs/guide/sub/b.md"]),
    ("everything-but", ["*", "!src", "!Dockerfile"], TREE,
     ["Dockerfile", "src/", "src/main.go", "src/main_test.go"]),
    ("exception-with-glob-walks-excluded-dirs", ["docs", "!**/*.md"],
     ["docs/README.md", "docs/x.tmp", "a.md"], ["a.md", "docs/", "docs/README.md"]),
    ("glob-exception-cannot-escape-excluded-parent", ["docs", "!*.md"],
     ["docs/README.md", "a.md"], ["a.md"]),
    ("exception-outside-dir-prunes-it", ["docs", "!src/x"], ["docs/README.md", "src/x"],
     ["src/", "src/x"]),
    ("double-star-anywhere", ["**/node_modules"], TREE,
     [".dockerignore", "Dockerfile", "build/", "docs/", "docs/README.md", "docs/guide/",
      "docs/guide/intro.md", "docs/x.tmp", "secret.env", "src/", "src/main.go",
      "src/main_test.go", "vendor/", "vendor/lib/", "vendor/lib/lib.go", "web/"]),
    ("star-is-one-level", ["*/index.js", "*/*/index.js"],
     ["index.js", "a/index.js", "a/b/index.js", "a/b/c/index.js"],
     ["a/", "a/b/", "a/b/c/", "a/b/c/index.js", "index.js"]),
    ("go-tests-only", ["**/*_test.go"], ["src/main.go", "src/main_test.go"],
     ["src/", "src/main.go"]),
    ("dockerfile-can-be-excluded", ["Dockerfile", ".dockerignore"],
     ["Dockerfile", ".dockerignore", "app"], ["app"]),
    ("exception-then-reexclude", ["*.md", "!README*.md", "README-secret.md"],
     ["README.md", "README-secret.md", "CHANGES.md"], ["README.md"]),
    ("trailing-glob-exception-is-prefix", ["docs", "!docs/guide/**"],
     ["docs/a.md", "docs/guide/b.md"], ["docs/", "docs/guide/", "docs/guide/b.md"]),
]


@pytest.mark.parametrize("patterns,tree,expected", [c[1:] for c in FILTERS],
                         ids=[c[0] for c in FILTERS])
def test_filter_paths(patterns: list[str], tree: list[str], expected: list[str] | None) -> None:
    sent = filter_paths(patterns, tree)
    if expected is None:
        expected = filter_paths([], tree)
        assert len(sent) == len(set(sent)) > len(tree)  # parents implied, each sent once
    assert sent == expected


def test_walk_order_puts_a_directory_before_names_sorting_after_it() -> None:
    assert filter_paths([], ["a.txt", "a/b", "a-b"]) == ["a/", "a/b", "a-b", "a.txt"]


# --- errors ---------------------------------------------------------------------------------------

REFUSED = [
    ("lone-exclamation", ["!"], 'invalid excludepatterns: [!]: illegal exclusion pattern: "!"'),
    ("bad-class", ["ok", "[", "x"], "invalid excludepatterns: [ok [ x]: syntax error in pattern"),
    ("trailing-backslash", ["bin\\"], "invalid excludepatterns: [bin\\]: syntax error in pattern"),
]


@pytest.mark.parametrize("patterns,message", [c[1:] for c in REFUSED],
                         ids=[c[0] for c in REFUSED])
def test_patterns_refused_before_the_walk(patterns: list[str], message: str) -> None:
    with pytest.raises(ContextError) as err:
        IgnoreFilter(patterns)
    assert err.value.message == message


def test_pattern_whose_regexp_does_not_compile_fails_during_the_walk() -> None:
    # Valid for path.Match ("[l-O]" is a range there) but not for Go's regexp: "l" > "O".
    flt = IgnoreFilter(["[Local-Only]/"])
    with pytest.raises(ContextError) as err:
        flt.visit("anything", False)
    assert err.value.message == (
        "error from sender: failed to match excludepatterns: syntax error in pattern"
    )
    assert filter_paths(["[Local-Only]/"], []) == []  # nothing walked, nothing to report


# --- the Go regexp subset -------------------------------------------------------------------------

REGEXPS = [
    ("^a[^/]*$", "abc", True), ("^a[^/]*$", "a/c", False), ("^(.*/)?x$", "a/b/x", True),
    ("^\\d+$", "42", True), ("^\\d+$", "٤٢", False), ("^[[:^alpha:]]$", "1", True),
    ("^[[:^alpha:]]$", "a", False), ("^\\x41\\x{42}\\101$", "ABA", True),
    ("^\\Q.*\\E$", ".*", True), ("^\\Q.*\\E$", "ab", False), ("^a.b$", "a\nb", False),
    ("^[\\d_]+$", "1_2", True), ("^[^\\s]$", " ", False), ("^a$", "a\n", False),
    ("^[[^/]*]$", "[[]", True), ("^[]a]$", "]", True),
]


@pytest.mark.parametrize("expr,text,expected", REGEXPS, ids=[f"{e}~{t!r}" for e, t, _ in REGEXPS])
def test_go_regexp_translation(expr: str, text: str, expected: bool) -> None:
    compiled = compile_go(expr)
    assert compiled is not None
    assert (compiled.match(text) is not None) is expected


@pytest.mark.parametrize("expr", ["^[l-O]$", "^a(", "^a)$", "^\\1$", "^\\q$", "^[[:foo:]]$",
                                  "^\\x4$", "^[a$", "^a**$", "^\\pL$", "^\\"])
def test_go_regexp_refusals(expr: str) -> None:
    assert compile_go(expr) is None


# --- properties against independent oracles -----------------------------------------------------

def _glob_oracle(pattern: str) -> re.Pattern[str]:
    return re.compile("".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
                              for c in pattern))


@settings(max_examples=300, deadline=None)
@given(st.text("ab*?/", max_size=8), st.text("ab/", max_size=8))
def test_go_match_agrees_with_a_regexp_oracle(pattern: str, name: str) -> None:
    expected = _glob_oracle(pattern).fullmatch(name) is not None
    assert _gopath.match(pattern, name) is expected


@settings(max_examples=300, deadline=None)
@given(st.text("ab./", max_size=12).filter(lambda p: not p.startswith("//")))
def test_go_clean_agrees_with_normpath(path: str) -> None:
    assert _gopath.clean(path) == posixpath.normpath(path)
