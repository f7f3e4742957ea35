"""awk through the simulated shell: busybox awk on an Alpine-like tree, mawk on Debian."""

from __future__ import annotations

import pytest

from tests.engine.sh_trees import BINARY, ENV, EPOCH, busybox_tree, debian_tree
from tutor.engine.fs import FileTree, file, symlink
from tutor.engine.sh import run_script


def alpine() -> FileTree:
    tree = busybox_tree()
    tree.put("/usr/bin/awk", symlink("/bin/busybox"))
    return tree


def debian() -> FileTree:
    tree = debian_tree()
    tree.put("/usr/bin/mawk", file(BINARY + b"mawk", 0o755))
    tree.put("/usr/bin/awk", symlink("/usr/bin/mawk"))
    return tree


def run(script: str, tree: FileTree | None = None) -> tuple[int, str, str]:
    result = run_script(script, fs=tree or alpine(), env=dict(ENV), epoch=EPOCH)
    return result.exit_code, result.stdout.decode(), result.stderr.decode()


@pytest.mark.parametrize(("script", "expected"), [
    ("echo 'a b  c' | awk '{print $1}'", "a\n"),
    ("echo 'a b  c' | awk '{print $NF, NF}'", "c 3\n"),
    ("awk -F: '$3 >= 1000' /etc/passwd", "nobody:x:65534:65534:nobody:/nonexistent:"
                                         "/usr/sbin/nologin\n"),
    ("printf 'NAME=x\\nID=alpine\\n' | awk -F= '/^ID=/ {print $2}'", "alpine\n"),
    ("printf '1\\n2\\n3\\n' | awk '{s += $1} END {print s, NR}'", "6 3\n"),
    ("awk -v name=world 'BEGIN {printf \"hello %s %5.2f|%-3d|%x\\n\", name, 3.14159, 7, 255}'",
     "hello world  3.14|7  |ff\n"),
    ("awk 'BEGIN {OFS=\"-\"} {$1=$1; print}' <<EOF\na b c\nEOF", "a-b-c\n"),
    ("echo 'a b' | awk '{$4=\"d\"; print; print NF; NF=1; print}'", "a b  d\n4\na\n"),
    ("awk 'BEGIN {print length(\"héllo\"), substr(\"hello\", 2, 3), substr(\"hello\", 0, 2), "
     "index(\"abc\", \"c\"), toupper(\"ab\") tolower(\"CD\")}'", "5 ell h 3 ABcd\n"),
    ("awk 'BEGIN {s = \"aaa\"; n = gsub(/a/, \"[&]\", s); t = \"x.y\"; sub(\".\", \"\\\\&\", t); "
     "print n, s, t}'", "3 [a][a][a] &.y\n"),
    ("awk 'BEGIN {if (match(\"foobar\", /o+b/)) print RSTART, RLENGTH}'", "2 3\n"),
    ("awk 'BEGIN {n = split(\"a:b:c\", parts, \":\"); print n, parts[1] parts[3]}'", "3 ac\n"),
    ("awk 'BEGIN {x[\"b\"] = 2; x[\"a\"] = 1; for (k in x) s += x[k]; delete x[\"a\"]; "
     "print s, length(x), (\"b\" in x), (\"a\" in x)}'", "3 1 1 0\n"),
    ("awk 'function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) } BEGIN { print fact(10) }'",
     "3628800\n"),
    ("awk 'BEGIN {i = 0; while (i < 3) i++; do { i += 10 } while (i < 20); "
     "for (j = 0; j < 5; j++) { if (j == 1) continue; if (j == 3) break; k = k j }; print i, k}'",
     "23 02\n"),
    ("awk 'BEGIN {print 1/4, 10 % 3, 2^10, -3 \"\" , 1e6, 100000000, 0.1 + 0.2}'",
     "0.25 1 1024 -3 1000000 100000000 0.3\n"),
    ("printf '10\\n9\\n' | awk '$1 > 9'", "10\n"),
    ("printf 'b\\n10\\n' | awk '$1 < \"a\"'", "10\n"),
    ("printf 'a\\nb\\nc\\nd\\n' | awk '/b/,/c/'", "b\nc\n"),
    ("printf 'a\\nb\\n' | awk 'NR == 1 {next} {print \"second:\", $0}'", "second: b\n"),
    ("awk 'BEGIN {print \"x\" > \"/tmp/o\"; print \"y\" > \"/tmp/o\"; close(\"/tmp/o\"); "
     "while ((getline line < \"/tmp/o\") > 0) print \"got\", line}'", "got x\ngot y\n"),
    ("printf 'b\\na\\n' | awk '{print | \"sort\"}'", "a\nb\n"),
    ("awk 'BEGIN {\"echo hi\" | getline v; print v}'", "hi\n"),
    ("printf 'a\\nb\\n' | awk 'NR==1 {getline; print \"after:\", $0}'", "after: b\n"),
    ("awk 'BEGIN {printf \"%c%c%s\\n\", 65, \"bc\", sprintf(\"%03d\", 7)}'", "Ab007\n"),
    ("echo 'k=v' | awk '{split($0, kv, \"=\"); print kv[2]}'", "v\n"),
    ("awk 'BEGIN { exit 3 } END { print \"end runs\" }'; echo $?", "end runs\n3\n"),
    ("printf 'x y\\n' > /tmp/f; awk '{print FILENAME, FNR, $2}' /tmp/f", "/tmp/f 1 y\n"),
    ("awk 'BEGIN {print ENVIRON[\"HOME\"]}'", "/root\n"),
    ("echo 'a:b' | awk '{print $2}' FS=:", "b\n"),
    ("echo '[x]' | awk '/^\\[[[:alpha:]]\\]$/ {print \"class\"}'", "class\n"),
])
def test_awk_programs(script: str, expected: str) -> None:
    for tree in (alpine(), debian()):
        code, out, err = run(script, tree)
        assert (code, out, err) == (0, expected, "")


@pytest.mark.parametrize(("program", "mawk", "busybox"), [
    ("BEGIN { x = }", "awk: line 1: syntax error at or near }",
     "awk: cmd. line:1: Unexpected token"),
    ("{print $1", "awk: line 1: missing } near end of file",
     "awk: cmd. line:1: Unexpected end of string"),
    ("BEGIN { print (1 }", "awk: line 1: missing ) near }", "awk: cmd. line:1: Unexpected token"),
    ("BEGIN { @ }", "awk: 1: unexpected character '@'", "awk: cmd. line:1: Unexpected token"),
])
def test_syntax_errors_are_worded_as_mawk_and_busybox(program: str, mawk: str,
                                                       busybox: str) -> None:
    assert run(f"awk '{program}'", debian()) == (2, "", mawk + "\n")
    assert run(f"awk '{program}'", alpine()) == (1, "", busybox + "\n")


def test_runtime_errors() -> None:
    assert run("awk 'BEGIN {print 1/0}'", debian()) == (
        2, "", 'awk: run time error: division by zero\n\tFILENAME="" FNR=0 NR=0\n')
    assert run("awk 'BEGIN {print 1/0}'", alpine()) == (
        1, "", "awk: cmd. line:1: Division by zero\n")
    assert run("awk '{print}' /nope", debian()) == (
        2, "", "awk: cannot open /nope (No such file or directory)\n")


def test_awk_is_not_there_without_a_file() -> None:
    tree = debian_tree()
    code, _, err = run("awk '{print}'", tree)
    assert code == 127
    assert "awk: not found" in err


def test_an_endless_awk_loop_is_stopped() -> None:
    code, _, err = run("awk 'BEGIN { while (1) x++ }'")
    assert code == 137
    assert "too many commands" in err


@pytest.mark.parametrize(("script", "expected"), [
    ("echo 1.2:3 | awk -F'[:.]' '{print $1, $3}'", "1 3\n"),
    ("printf 'a\\nb\\n' > /f1; printf 'b\\nc\\n' > /f2; awk 'NR==FNR{a[$1];next} !($1 in a)' "
     "/f1 /f2", "c\n"),
    ("echo 'a b' | awk -v OFS='\\t' '{$1=$1}1'", "a\tb\n"),
    ("echo hello | awk '{print toupper(substr($0,1,1)) substr($0,2)}'", "Hello\n"),
    ("echo 'a b c' | awk '{$1=\"\"; print substr($0,2)}'", "b c\n"),
    ("echo 'x=1;y=2' | awk 'BEGIN{RS=\";\"} {print}'", "x=1\ny=2\n\n"),
    ("echo 'a,b,,d' | awk -F, '{print NF; print $3 \"|\" $4}'", "4\n|d\n"),
    ("awk 'BEGIN { x = \"10\"; y = 9; print (x > y) }'", "0\n"),  # a string constant compares
    ("echo '10 9' | awk '{ print ($1 > $2) }'", "1\n"),  # fields that look numeric: numbers
    ("awk 'BEGIN { print 1==1.0, \"a\" < \"b\", 2 < 10, \"2\" < \"10\" }'", "1 1 1 0\n"),
    ("awk 'BEGIN { print 10 % 3, -10 % 3, 2 ** 3, 2 ^ 3 ^ 2 }'", "1 -1 8 512\n"),
    ("awk 'BEGIN { CONVFMT=\"%.2g\"; x = 3.14159; y = x \"\"; print y }'", "3.1\n"),
    ("awk 'BEGIN { print (1)(2) }'", "12\n"),
    ("awk 'function add(x, y) { return x + y }\nBEGIN {\n  print add(1,\n    2)\n}'", "3\n"),
    ("awk 'BEGIN { s = \"a.b.c\"; gsub(\".\", \"-\", s); print s }'", "-----\n"),
    ("awk 'BEGIN { s = \"aaa\"; print gsub(/x*/, \"-\", s), s }'", "4 -a-a-a-\n"),
    ("awk 'BEGIN { printf \"%i %5.1e %G\\n\", 42.9, 12345, 0.0001 }'", "42 1.2e+04 0.0001\n"),
    ("awk 'BEGIN { print 2^1000000, log(-1), int(-3.7) }'", "inf -nan -3\n"),
    ("echo 'a b a c' | awk '{for (i = 1; i <= NF; i++) if (!seen[$i]++) printf \"%s \", $i; "
     "print \"\"}'", "a b c \n"),
])
def test_awk_idioms(script: str, expected: str) -> None:
    for tree in (alpine(), debian()):
        assert run(script, tree) == (0, expected, "")
