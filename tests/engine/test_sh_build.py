"""Building from source: ./configure, make, make install, cmake and the C compiler."""

from __future__ import annotations

import pytest

from tests.engine.shell_tools_trees import LATER, alpine, debian, run, text
from tutor.engine.fs import file


def test_configure_make_install_of_a_downloaded_source_release() -> None:
    tree = debian()
    result = run(tree, """set -e
mkdir -p /usr/src/hello && cd /usr/src
curl -fsSL -o hello.tar.gz https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz
tar -xzf hello.tar.gz -C /usr/src/hello --strip-components=1
cd /usr/src/hello
./configure --prefix=/opt/hello
make -j "$(nproc)"
make install
make
cd / && /opt/hello/bin/hello
""", epoch=LATER)
    assert result.exit_code == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "checking for gcc... gcc\n" in out
    assert "config.status: creating Makefile\ngcc -O2 -o hello src/main.c\n" in out
    assert "mkdir -p /opt/hello/bin\ncp hello /opt/hello/bin/hello\n" in out
    assert "make: Nothing to be done for 'all'.\n" in out
    assert out.endswith("hello 2.12\n")
    assert "prefix = /opt/hello" in text(tree, "/usr/src/hello/Makefile")


def test_configure_without_a_compiler_fails_as_autoconf_does() -> None:
    tree = debian()
    for name in ("gcc", "cc", "g++"):
        tree.remove(f"/usr/bin/{name}")
    result = run(tree, "cd /tmp && curl -fsSL https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz"
                       " | tar -xz && cd hello-2.12 && ./configure")
    assert result.exit_code == 1
    assert result.stderr.decode() == (
        "configure: error: in `/tmp/hello-2.12':\n"
        "configure: error: no acceptable C compiler found in $PATH\n"
        "See `config.log' for more details\n")


def test_make_rules_variables_and_errors() -> None:
    tree = debian()
    tree.makedirs("/w")
    tree.put("/w/Makefile", file(
        "CC = gcc\nOBJS := $(patsubst %.c,%.o,$(wildcard *.c))\nNAME ?= app\n\n"
        "all: $(NAME)\n\n$(NAME): $(OBJS)\n\t$(CC) -o $@ $^\n\n"
        "%.o: %.c\n\t@echo compiling $<\n\t$(CC) -c -o $@ $<\n\n"
        "check: all\n\t./$(NAME)\n\nfail:\n\tfalse\n\tnever\n\n"
        "ignored:\n\t-false\n\t@echo went on\n\n.PHONY: all check fail ignored\n"))
    tree.put("/w/main.c", file('#include <stdio.h>\nint main(void) {\n    puts("built");\n'
                               "    return 0;\n}\n"))
    tree.put("/w/util.c", file("int util(void) { return 1; }\n"))
    result = run(tree, "cd /w && make && make check && make NAME=other -n && make fail; "
                       "echo $?; make ignored; make nothing", epoch=LATER)
    assert result.stdout.decode() == (
        "compiling main.c\ngcc -c -o main.o main.c\ncompiling util.c\ngcc -c -o util.o util.c\n"
        "gcc -o app main.o util.o\n./app\nbuilt\ngcc -o other main.o util.o\nfalse\n2\nfalse\n"
        "went on\n")
    assert result.stderr.decode() == (
        "make: *** [Makefile:18: fail] Error 1\n"
        "make: [Makefile:22: ignored] Error 1 (ignored)\n"
        "make: *** No rule to make target 'nothing'.  Stop.\n")


def test_make_without_makefile_and_with_directory() -> None:
    tree = debian()
    result = run(tree, "cd /tmp && make; echo $?; mkdir sub && "
                       "printf 'all:\\n\\techo in $(CURDIR)\\n' > sub/Makefile && make -C sub")
    assert result.stdout == (b"2\nmake: Entering directory '/tmp/sub'\necho in /tmp/sub\n"
                             b"in /tmp/sub\nmake: Leaving directory '/tmp/sub'\n")
    assert result.stderr == b"make: *** No targets specified and no makefile found.  Stop.\n"


def test_gcc_outputs_play_and_need_their_loader() -> None:
    tree = alpine()
    result = run(tree, "printf '#include <stdio.h>\\nint main(){ printf(\"hi %%%% there\\\\n\"); "
                       "return 0; }\\n' > /h.c && gcc -o /h /h.c && /h && gcc -static -o /hs /h.c"
                       " && rm /lib/ld-musl-x86_64.so.1 && /hs && /h")
    assert result.stdout == b"hi % there\nhi % there\n"
    assert result.exit_code == 127  # the dynamic one lost its loader, as in `FROM scratch`


@pytest.mark.parametrize(("script", "stderr"), [
    ("gcc", "gcc: fatal error: no input files\ncompilation terminated.\n"),
    ("gcc nope.c", "gcc: error: nope.c: No such file or directory\n"
                   "gcc: fatal error: no input files\ncompilation terminated.\n"),
    ("printf 'int f(void){return 0;}\\n' > f.c && gcc f.c",
     "/usr/bin/ld: /usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu/Scrt1.o: in "
     "function `_start':\n(.text+0x17): undefined reference to `main'\n"
     "collect2: error: ld returned 1 exit status\n"),
    ("printf '#include \"x.h\"\\nint main(){}\\n' > b.c && gcc b.c",
     "b.c:1:10: fatal error: x.h: No such file or directory\n    1 | #include \"x.h\"\n"
     "      |          ^~~~~\ncompilation terminated.\n"),
])
def test_gcc_refusals(script: str, stderr: str) -> None:
    result = run(debian(), f"cd /tmp && {script}")
    assert (result.exit_code, result.stderr.decode()) == (1, stderr)


def test_gcc_needs_the_c_library_headers() -> None:
    tree = alpine()
    tree.remove("/usr/include/stdio.h")  # `apk add gcc` without musl-dev
    result = run(tree, "printf '#include <stdint.h>\\n#include <stdio.h>\\nint main(){}\\n' "
                       "> /m.c && gcc /m.c")
    assert (result.exit_code, result.stderr.decode()) == (1, (
        "/m.c:2:10: fatal error: stdio.h: No such file or directory\n"
        "    2 | #include <stdio.h>\n      |          ^~~~~~~~~\ncompilation terminated.\n"))


def test_cmake_configure_build_install() -> None:
    tree = debian()
    result = run(tree, """set -e
cd /tmp && curl -fsSL https://github.com/acme/tool/archive/refs/tags/v2.0.tar.gz | tar -xz
cmake -S tool-2.0 -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
cmake --install build
tool
""", epoch=LATER)
    assert result.exit_code == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "-- The C compiler identification is GNU 12.2.0\n" in out
    assert "-- Build files have been written to: /tmp/build\n" in out
    assert "[ 50%] Building C object CMakeFiles/tool.dir/src/main.c.o\n" in out
    assert "[100%] Built target tool\n" in out
    assert "-- Installing: /usr/local/bin/tool\n" in out
    assert out.endswith("tool 2.0\n")


def test_cmake_without_cmakelists() -> None:
    result = run(debian(), "cd /tmp && cmake .")
    assert result.exit_code == 1
    assert result.stderr.startswith(b'CMake Error: The source directory "/tmp" does not appear '
                                    b"to contain CMakeLists.txt.\n")


def test_python_style_debian_build_step() -> None:
    tree = debian()
    stated = "f6d419a6d8743ab26700801b4908d26d97e8b986e14f95de31b32de2b0e79554"
    result = run(tree, f"""set -eux
wget -q -O python.tar.xz "https://www.python.org/ftp/python/3.12.4/Python-3.12.4.tar.xz"
echo "{stated} *python.tar.xz" | sha256sum -c -
mkdir -p /usr/src/python
tar --extract --directory /usr/src/python --strip-components=1 --file python.tar.xz
rm python.tar.xz
cd /usr/src/python
gnuArch="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)"
./configure --build="$gnuArch" --enable-optimizations --with-lto
nproc="$(nproc)"
make -j "$nproc" EXTRA_CFLAGS="-g0"
make install
cd /
rm -rf /usr/src/python
find /usr/local -depth \\( \\( -type d -a \\( -name test -o -name tests \\) \\) -o \\( -type f -a \\( -name '*.pyc' -o -name '*.pyo' \\) \\) \\) -exec rm -rf '{{}}' +
python --version || true
""", epoch=LATER)  # noqa: E501
    assert result.exit_code == 0, result.stderr.decode()
    assert "python.tar.xz: OK\n" in result.stdout.decode()
    assert tree.get("/usr/local/bin/python") is not None
    assert tree.get("/usr/src/python") is None


def test_downloaded_source_of_a_simulated_tool_builds_into_it() -> None:
    tree = alpine()
    tree.remove("/usr/bin/su-exec")
    result = run(tree, "curl -fsSL -o /usr/local/bin/su-exec.c https://raw.githubusercontent.com/"
                       "ncopa/su-exec/master/su-exec.c && gcc -Wall /usr/local/bin/su-exec.c "
                       "-o /usr/local/bin/su-exec && rm /usr/local/bin/su-exec.c && "
                       "su-exec nobody id -u && gcc -o /x /usr/local/bin/su-exec 2>&1 | head -1")
    assert result.stdout.decode().splitlines()[0] == "65534"
