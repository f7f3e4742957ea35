"""BuildKit's shell lexer: substitution, quoting, escapes, word splitting and reported variables.

The expected values follow BuildKit's own lexer behaviour (frontend/dockerfile/shell).
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.engine.dockerfile._lex import Lexer, chomp_heredoc, parse_heredoc_word
from tutor.engine.errors import DockerfileError

ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}

WORDS = [
    ("plain", "hello", "hello"),
    ("single-quotes-removed", "he'll'o", "hello"),
    ("escaped-quote", "he\\'llo", "he'llo"),
    ("escape-drops-backslash", "abc\\tdef", "abctdef"),
    ("double-quotes-keep-backslash", '"abc\\tdef"', "abc\\tdef"),
    ("double-quotes-escaped-backslash", '"abc\\\\tdef"', "abc\\tdef"),
    ("single-quotes-literal", "'abc\\tdef'", "abc\\tdef"),
    ("trailing-escape-dropped", "hello\\", "hello"),
    ("escaped-escape", "hello\\\\", "hello\\"),
    ("quote-inside-double", '"hel\'lo"', "hel'lo"),
    ("backslash-in-single", "'hello\\'", "hello\\"),
    ("dollar-alone", "$.", "$."),
    ("positional-is-empty", "he$1x", "hex"),
    ("dollar-before-dot", "he$.x", "he$.x"),
    ("case-sensitive-name", "he$pwd.", "he."),
    ("simple-var", "he$PWD", "he/home"),
    ("escaped-dollar", "he\\$PWD", "he$PWD"),
    ("escaped-escape-then-var", "he\\\\$PWD", "he\\/home"),
    ("escaped-dollar-in-double", '"he\\$PWD"', "he$PWD"),
    ("escaped-braces", "\\${}", "${}"),
    ("unset-braced", "he${hi}xx", "hexx"),
    ("braced", "he${PWD}", "he/home"),
    ("default-when-unset", "he${XXX:-000}xx", "he000xx"),
    ("default-not-used", "he${PWD:-000}xx", "he/homexx"),
    ("default-is-expanded", "he${XXX:-$PWD}xx", "he/homexx"),
    ("nested-default", "he${XXX:-${YYY:-yyy}}xx", "heyyyxx"),
    ("required-set", "he${PWD?}", "he/home"),
    ("required-empty-allowed-without-colon", "he${NULL?}", "he"),
    ("alternate-unset", "he${XXX:+${PWD}}xx", "hexx"),
    ("alternate-set", "he${PWD:+${SHELL}}xx", "hebashxx"),
    ("no-expansion-in-single", "'he${XX}'", "he${XX}"),
    ("expansion-in-double", '"he\'$PWD\'"', "he'/home'"),
    ("colon-after-alternate", "he${PWD:+${PWD}:}xx", "he/home:xx"),
    ("escaped-dollar-in-default", "he${XXX:-\\$PWD:}xx", "he$PWD:xx"),
    ("escaped-braced-in-default", "he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"),
    ("unicode", "안'녕'하세요", "안녕하세요"),
    ("unicode-value", "안녕$KOREAN", "안녕한국어"),
    ("extra-closing-brace", "${aaa}}", "}"),
    ("brace-in-default", "${aaa:-bbb {foo}", "bbb {foo"),
    ("positional-default", "${999:-bbb}aaa", "bbbaaa"),
    ("special-param", "$@aaa", "aaa"),
    ("special-param-default", "${#:-bbb}", "bbb"),
    ("dash-unset-default", "${BAZ-ccc}", "ccc"),
    ("dash-empty-kept", "${NULL-ccc}x", "x"),
    ("colon-dash-empty-replaced", "${NULL:-ccc}", "ccc"),
    ("plus-empty-without-colon", "${NULL+bbb}", "bbb"),
    ("plus-empty-with-colon", "${NULL:+bbb}x", "x"),
    ("heredoc-marker-kept", "cat <<EOF", "cat <<EOF"),
    ("heredoc-marker-space", "<< EOF", "<< EOF"),
    ("leading-bom-dropped", "\ufeffabc", "abc"),
]


@pytest.mark.parametrize(("source", "expected"), [w[1:] for w in WORDS], ids=[w[0] for w in WORDS])
def test_process_word(source: str, expected: str) -> None:
    assert Lexer().process_word(source, ENV).result == expected


PATTERNS = [
    ("prefix-shortest", "${FOO#*x}", {"FOO": "xxyy"}, "xyy"),
    ("prefix-longest", "${FOO##*x}", {"FOO": "xxyy"}, "yy"),
    ("prefix-star-alone", "${FOO#*}", {"FOO": "xxyy"}, "xxyy"),
    ("prefix-two-stars", "${FOO#*x*y}", {"FOO": "xxyy"}, "y"),
    ("prefix-from-variable", "${FOO#$BAR}", {"FOO": "xxyy", "BAR": "x"}, "xyy"),
    ("prefix-empty-pattern", "${FOO#}", {"FOO": "xxyy"}, "xxyy"),
    ("prefix-escaped-question", "${FOO#?\\?}", {"FOO": "???y"}, "?y"),
    ("prefix-regex-characters", "${FOO#()[]{\\}^$.\\*\\?|\\\\}", {"FOO": "()[]{}^$.*?|\\x"}, "x"),
    ("suffix-shortest", "${FOO%y*}", {"FOO": "xxyy"}, "xxy"),
    ("suffix-longest", "${FOO%%y*}", {"FOO": "xxyy"}, "xx"),
    ("suffix-escaped-star", "${FOO%%\\**}", {"FOO": "xx**"}, "xx"),
    ("suffix-escaped-stars", "${FOO%%\\**\\*}", {"FOO": "a***yy*"}, "a"),
    ("suffix-unset-around", "${ABC:-.}${FOO%x}${ABC:-.}", {"FOO": "xxyy"}, ".xxyy."),
    ("replace-first", "${FOO/o/0}", {"FOO": "foo"}, "f0o"),
    ("replace-all", "${FOO//o/0}", {"FOO": "foo"}, "f00"),
    ("replace-wildcard", "${FOO/$N/.} - ${FOO//$N/.}", {"FOO": "/foo*/*/*.txt", "N": "\\*/"},
     "/foo.*/*.txt - /foo..*.txt"),
    ("replace-slash-pattern", "${FOO//$N/}", {"FOO": "/tmp/tmp/bar.txt", "N": "/tmp"},
     "/bar.txt"),
    ("replace-question", "${FOO//$N/$R}", {"FOO": "/a/foo/b/c.txt", "N": "/?/", "R": "/"},
     "/foo/c.txt"),
    ("replace-escaped-slashes", "${FOO//\\//\\/}", {"FOO": "/tmp/foo.txt"}, "\\/tmp\\/foo.txt"),
    ("replace-empty-pattern", "${FOO/$BAR/ww}", {"FOO": "xxyy", "BAR": ""}, "wwxxyy"),
    ("replace-all-empty", "${FOO///}", {"FOO": "xxyy"}, "xxyy"),
    ("replace-all-empty-matches", "${FOO//x*/-}", {"FOO": "abxd"}, "ab-"),
    ("replace-positional-is-empty", "${FOO//b/[$0]}", {"FOO": "abc"}, "a[]c"),
    ("replace-all-go-template", "${FOO//b/[\\$0]}", {"FOO": "abc"}, "a[\\b]c"),
    ("replace-first-no-template", "${FOO/b/[\\$0]}", {"FOO": "abc"}, "a[\\$0]c"),
    ("platform-release-name",
     "x-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
     {"VERSION": "v1", "TARGETOS": "linux", "TARGETARCH": "arm", "TARGETVARIANT": "v7"},
     "x-v1.linux-arm-v7.tar.gz"),
]


@pytest.mark.parametrize(("source", "env", "expected"), [p[1:] for p in PATTERNS],
                         ids=[p[0] for p in PATTERNS])
def test_pattern_substitution(source: str, env: dict[str, str], expected: str) -> None:
    assert Lexer().process_word(source, env).result == expected


ERRORS = [
    ("unterminated-single", "he'llo",
     "unexpected end of statement while looking for matching single-quote"),
    ("escaped-backslash-then-quote", "he\\\\'llo",
     "unexpected end of statement while looking for matching single-quote"),
    ("unterminated-double", '"hello\\"',
     "unexpected end of statement while looking for matching double-quote"),
    ("empty-braces", "he${}", "syntax error: bad substitution"),
    ("double-open-brace", "${{aaa}", "syntax error: bad substitution"),
    ("colon-name", "${:-bbb}", "syntax error: bad substitution"),
    ("brace-at-end", "${", "syntax error: missing '}'"),
    ("unterminated-name", "he${PWD", "unsupported modifier (\ufffd) in substitution"),
    ("bad-name-character", "he${.}", "unsupported modifier (.) in substitution"),
    ("unterminated-default", "${aaa:-bbb", "syntax error: missing '}'"),
    ("unterminated-nested", "${aaa:-bbb ${foo}", "syntax error: missing '}'"),
    ("colon-at-end", "${X:", "syntax error: missing '}'"),
    ("assign-modifier", "he${PWD:=000}xx", "unsupported modifier (:=) in substitution"),
    ("unknown-colon-modifier", "he${XXX:YYY}", "unsupported modifier (:Y) in substitution"),
    ("colon-hash", "${FOO:#}", "unsupported modifier (:#) in substitution"),
    ("colon-percent", "${FOO:%%}", "unsupported modifier (:%) in substitution"),
    ("required-unset", "he${XXX?}", "XXX: is not allowed to be unset"),
    ("required-unset-colon", "he${XXX:?}", "XXX: is not allowed to be unset"),
    ("required-empty", "he${NULL:?}", "NULL: is not allowed to be empty"),
    ("required-message", "${XXX:?set it $SHELL}", "XXX: set it bash"),
    ("replace-missing-slash", "${FOO//ww}", "syntax error: missing '/' in ${}"),
    ("replace-missing-brace", "${FOO/a/b", "syntax error: missing '}'"),
    ("bad-pattern-escape", "${PWD#\\x}", "invalid pattern (\\x) in substitution: "
     "invalid escape '\\x'"),
]


@pytest.mark.parametrize(("source", "reason"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_are_buildkits(source: str, reason: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        Lexer().process_word(source, ENV)
    quoted = '"' + source.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert caught.value.message == f"failed to process {quoted}: {reason}"
    assert caught.value.start_line == 0


MATCHES = [
    ("none", "x", {}, (), ()),
    ("unset", "x ${UNUSED}", {}, (), ("UNUSED",)),
    ("set", "x ${FOO}", {"FOO": "y"}, ("FOO",), ()),
    ("dash-forms", "${FOO-a} ${BAR-b} ${BAZ-c}", {"FOO": "x", "BAR": ""}, ("FOO", "BAR"),
     ("BAZ",)),
    ("pattern-and-operand", "${FOO#$BAR}", {"FOO": "xxyy", "BAR": "x"}, ("BAR", "FOO"), ()),
    ("repeated", "$A$A$B", {"A": "1"}, ("A",), ("B",)),
    ("single-quotes-hide", "'$A' $B", {"A": "1", "B": "2"}, ("B",), ()),
]


@pytest.mark.parametrize(("source", "env", "matched", "unmatched"), [m[1:] for m in MATCHES],
                         ids=[m[0] for m in MATCHES])
def test_reports_variables(source: str, env: dict[str, str], matched: tuple[str, ...],
                           unmatched: tuple[str, ...]) -> None:
    found = Lexer().process_word(source, env)
    assert (found.matched, found.unmatched) == (matched, unmatched)


SPLITS = [
    ("two-words", "hello there", {}, ("hello", "there")),
    ("escaped-space", "hello\\ there", {}, ("hello there",)),
    ("quoted-spaces-kept", 'hello" there  "', {}, ("hello there  ",)),
    ("escaped-quote-splits", 'hello\\" there', {}, ('hello"', "there")),
    ("value-splits", "hello${space}bye", {"space": "abc  def"}, ("helloabc", "defbye")),
    ("quoted-value-kept", 'hello"${space}"bye', {"space": "abc  def"}, ("helloabc  defbye",)),
    ("leading-space-in-value", "hello${lead}def", {"lead": "  ab c"}, ("hello", "ab", "cdef")),
    ("trailing-space-in-value", "hello${trail}d", {"trail": "ab c   "}, ("helloab", "c", "d")),
    ("empty-quotes-vanish", "a '' b", {}, ("a", "b")),
    ("nested-substitution-resets-word", "ab${X:-c}d", {}, ("cd",)),
    ("single-quote-dollar", "hello'$there'", {}, ("hello$there",)),
]


@pytest.mark.parametrize(("source", "env", "expected"), [s[1:] for s in SPLITS],
                         ids=[s[0] for s in SPLITS])
def test_process_words(source: str, env: dict[str, str], expected: tuple[str, ...]) -> None:
    assert Lexer().process_words(source, env) == expected


OPTIONS = [
    ("backtick-escape", Lexer("`"), "a`$B c\\d", "a$B c\\d"),
    ("raw-quotes", Lexer(raw_quotes=True), "'a' \"$B\"", "'a' \"x\""),
    ("raw-escapes", Lexer(raw_escapes=True), "a\\$B", "a\\$B"),
    ("skip-unset", Lexer(skip_unset_env=True), "$B $C ${C:-d} ${C/a/b} ${C}",
     "x $C ${C:-d} ${C/a/b} ${C}"),
    ("skip-quotes", Lexer(skip_process_quotes=True), "'$B' \"x\"", "'x' \"x\""),
]


@pytest.mark.parametrize(("lexer", "source", "expected"), [o[1:] for o in OPTIONS],
                         ids=[o[0] for o in OPTIONS])
def test_lexer_switches(lexer: Lexer, source: str, expected: str) -> None:
    assert lexer.process_word(source, {"B": "x"}).result == expected


HEREDOCS = [
    ("plain", "<<EOF", ("EOF", 0, False, True)),
    ("chomp", "<<-EOT", ("EOT", 0, True, True)),
    ("fd-and-quotes", "3<<'EOF'", ("EOF", 3, False, False)),
    ("partly-quoted", '<<E"O"F', ("EOF", 0, False, False)),
    ("space-after-marker", "<< EOF", ("EOF", 0, False, True)),
]


@pytest.mark.parametrize(("word", "expected"), [h[1:] for h in HEREDOCS],
                         ids=[h[0] for h in HEREDOCS])
def test_heredoc_words(word: str, expected: tuple[str, int, bool, bool]) -> None:
    found = parse_heredoc_word(word)
    assert found is not None
    assert (found.name, found.file_descriptor, found.chomp, found.expand) == expected


@pytest.mark.parametrize("word", ["<<EOF bash", "<<", "x<<EOF", "<<'EOF", "a"])
def test_not_heredoc_words(word: str) -> None:
    assert parse_heredoc_word(word) is None


def test_chomp_strips_leading_tabs_of_each_line() -> None:
    assert chomp_heredoc("\t\techo\n\tx\t\n y\n") == "echo\nx\t\n y\n"


def test_absurd_nesting_is_an_engine_error() -> None:
    word = "${A:-" * 2000 + "x" + "}" * 2000
    with pytest.raises(DockerfileError, match="nesting too deep"):
        Lexer().process_word(word, {})


@given(st.text(alphabet="$ {}:-+?#%/'\"\\`<ab1@\t\n", max_size=40),
       st.sampled_from([Lexer(), Lexer("`"), Lexer(raw_quotes=True, raw_escapes=True,
                                                    skip_unset_env=True),
                        Lexer(skip_process_quotes=True)]))
@settings(max_examples=300, deadline=None)
def test_lexer_never_fails_otherwise(word: str, lexer: Lexer) -> None:
    for run in (lambda: lexer.process_word(word, {"a": "1 2", "b": ""}),
                lambda: lexer.process_words(word, {"a": "1 2"})):
        with contextlib.suppress(DockerfileError):
            run()
