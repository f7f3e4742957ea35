"""GNU `make` and `cmake`, enough for `./configure && make && make install` and CMake projects.

`make` reads a real makefile: variables (`=`, `:=`, `?=`, `+=`, command-line `VAR=value`),
explicit rules with prerequisites, `%` pattern rules and the built-in C rules, `.PHONY`,
`include`, `ifeq`/`ifdef` conditionals, automatic variables (`$@ $< $^ $*`), substitution
references and the common functions. Recipes run through the shell one line at a time, printed
first unless `@`; a failing line stops make as GNU make does (`make: *** [Makefile:7: app]
Error 1`). Targets are rebuilt when missing or older than a prerequisite. `-j` is accepted;
the simulation runs recipes in order.

`cmake` configures a project whose CMakeLists.txt uses the usual commands (`project`,
`add_executable`, `install(TARGETS …)`, `set`) by writing a Makefile into the build directory;
`cmake --build` runs make there and `cmake --install` copies what `install()` names.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace

from tutor.engine.fs import FsError, normalize
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._glob import match as glob_match
from tutor.engine.sh._proc import now_of, read_bytes, run_child, tools_of, write_bytes


class MakeError(Exception):
    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Rule:
    targets: list[str]
    prereqs: list[str]
    recipe: list[tuple[int, str]] = field(default_factory=list)
    """(line number in the makefile, raw recipe line)."""
    line: int = 0


@dataclass
class Makefile:
    path: str
    vars: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """name → (value, recursive: expanded when used)."""
    rules: dict[str, Rule] = field(default_factory=dict)
    patterns: list[Rule] = field(default_factory=list)
    phony: set[str] = field(default_factory=set)
    default: str | None = None


_BUILTIN_VARS = {"CC": "cc", "CXX": "g++", "CPP": "$(CC) -E", "RM": "rm -f", "AR": "ar",
                 "ARFLAGS": "rv", "MAKE": "make", "SHELL": "/bin/sh", "INSTALL": "install",
                 "LD": "ld"}


class Make:
    def __init__(self, proc: Process, cwd: str, overrides: dict[str, str], silent: bool,
                 dry: bool, keep_going: bool, always: bool, ignore: bool) -> None:
        self.proc = proc
        self.cwd = cwd
        self.overrides = overrides
        self.silent = silent
        self.dry = dry
        self.keep_going = keep_going
        self.always = always
        self.ignore = ignore
        self.mf = Makefile("")
        self.built: dict[str, bool] = {}
        self.did_work = False
        self.skewed: set[str] = set()
        self.building: set[str] = set()

    # -- reading ---------------------------------------------------------------------------------
    def read(self, path: str) -> None:
        self.mf.path = path
        self.parse(self.text(path), posixpath.basename(path))

    def text(self, path: str) -> str:
        return read_bytes(self.proc, normalize(path, self.cwd)).decode(errors="replace")

    def parse(self, text: str, name: str) -> None:
        lines = text.split("\n")
        rules: list[Rule] = []
        stack: list[bool] = []
        i = 0
        while i < len(lines):
            number = i + 1
            line = lines[i]
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1].rstrip() + " " + lines[i].lstrip()
            i += 1
            active = all(stack)
            if line.startswith("\t") and rules:
                if active:
                    for rule in rules:
                        rule.recipe.append((number, line[1:]))
                continue
            stripped = re.sub(r"(?<!\\)#.*", "", line).strip()
            if not stripped:
                continue
            word = stripped.split(None, 1)[0]
            if word in ("ifeq", "ifneq", "ifdef", "ifndef"):
                stack.append(self.condition(word, stripped[len(word):].strip()) if active
                             else False)
                continue
            if word == "else" and stack:
                outer = all(stack[:-1])
                rest = stripped[4:].strip()
                if rest:
                    w = rest.split(None, 1)[0]
                    stack[-1] = outer and not stack[-1] and self.condition(
                        w, rest[len(w):].strip())
                else:
                    stack[-1] = outer and not stack[-1]
                continue
            if word == "endif" and stack:
                stack.pop()
                continue
            if not active:
                continue
            if word in ("include", "-include", "sinclude"):
                for inc in self.expand(stripped.split(None, 1)[1] if " " in stripped
                                       else "").split():
                    try:
                        self.parse(self.text(inc), inc)
                    except FsError as exc:
                        if word == "include":
                            raise MakeError(f"{name}:{number}: {inc}: No such file or "
                                            "directory") from exc
                continue
            assign = re.match(r"^(?:export\s+|override\s+)?([A-Za-z0-9_.-]+)\s*([:?+!]?=|::=)"
                              r"\s*(.*)$", stripped)
            if assign and ":" not in assign.group(1):
                self.assign(assign.group(1), assign.group(2), assign.group(3))
                rules = []
                continue
            if word in ("export", "unexport", "vpath", "define", "endef", "override"):
                continue
            colon = re.match(r"^([^:=]+?)\s*::?\s*(.*)$", stripped)
            if colon is None:
                raise MakeError(f"{name}:{number}: *** missing separator.  Stop.")
            targets = self.expand(colon.group(1)).split()
            rest = colon.group(2)
            inline = None
            if ";" in rest:
                rest, inline = rest.split(";", 1)
            prereqs = [p for p in self.expand(rest).split() if p != "|"]
            rules = self.add_rule(Rule(targets, prereqs, [], number))
            if inline is not None:
                for rule in rules:
                    rule.recipe.append((number, inline.strip()))
        if stack:
            raise MakeError(f"{name}:{len(lines)}: *** missing 'endif'.  Stop.")

    def condition(self, word: str, arg: str) -> bool:
        if word in ("ifdef", "ifndef"):
            value = self.value(self.expand(arg).strip())
            return bool(value) == (word == "ifdef")
        m = re.match(r"^\((.*),(.*)\)$", arg) or re.match(r"^[\"'](.*)[\"']\s+[\"'](.*)[\"']$", arg)
        if m is None:
            return False
        same = self.expand(m.group(1)).strip() == self.expand(m.group(2)).strip()
        return same == (word == "ifeq")

    def assign(self, name: str, op: str, value: str) -> None:
        if name in self.overrides:
            return
        if op in (":=", "::=", "!="):
            self.mf.vars[name] = (self.expand(value), False)
        elif op == "?=":
            if name not in self.mf.vars and name not in self.proc.env:
                self.mf.vars[name] = (value, True)
        elif op == "+=":
            old, recursive = self.mf.vars.get(name, (self.proc.env.get(name, ""), True))
            self.mf.vars[name] = ((old + " " + value).strip() if old else value, recursive)
        else:
            self.mf.vars[name] = (value, True)

    def add_rule(self, rule: Rule) -> list[Rule]:
        """Record a rule; returns the stored rules its recipe lines belong to."""
        if rule.targets and rule.targets[0] == ".PHONY":
            self.mf.phony.update(rule.prereqs)
            return []
        if any(t[:1] == "." and t[1:].replace("_", "").isupper() for t in rule.targets):
            return []  # .SUFFIXES, .DELETE_ON_ERROR and other special targets
        if any("%" in t for t in rule.targets):
            self.mf.patterns.append(rule)
            return [rule]
        stored: list[Rule] = []
        for target in rule.targets:
            if self.mf.default is None and not target.startswith("."):
                self.mf.default = target
            existing = self.mf.rules.get(target)
            if existing is not None:
                existing.prereqs.extend(p for p in rule.prereqs if p not in existing.prereqs)
                stored.append(existing)
            else:
                self.mf.rules[target] = Rule([target], list(rule.prereqs), [], rule.line)
                stored.append(self.mf.rules[target])
        return stored

    # -- expansion -------------------------------------------------------------------------------
    def value(self, name: str, auto: dict[str, str] | None = None) -> str:
        if auto and name in auto:
            return auto[name]
        if name in self.overrides:
            return self.overrides[name]
        if name in self.mf.vars:
            raw, recursive = self.mf.vars[name]
            return self.expand(raw, auto) if recursive else raw
        if name in self.proc.env:
            return self.proc.env[name]
        if name == "CURDIR":
            return self.cwd
        if name in _BUILTIN_VARS:
            return self.expand(_BUILTIN_VARS[name], auto)
        return ""

    def expand(self, text: str, auto: dict[str, str] | None = None, depth: int = 0) -> str:
        if "$" not in text or depth > 50:
            return text
        out: list[str] = []
        i = 0
        while i < len(text):
            c = text[i]
            if c != "$" or i + 1 >= len(text):
                out.append(c)
                i += 1
                continue
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt in "({":
                close = ")" if nxt == "(" else "}"
                level, j = 1, i + 2
                while j < len(text) and level:
                    if text[j] == nxt:
                        level += 1
                    elif text[j] == close:
                        level -= 1
                    j += 1
                inner = text[i + 2:j - 1]
                out.append(self.reference(inner, auto, depth))
                i = j
                continue
            out.append(self.value(nxt, auto))
            i += 2
        return "".join(out)

    def reference(self, inner: str, auto: dict[str, str] | None, depth: int) -> str:
        fn = re.match(r"^([a-z-]+)\s+(.*)$", inner, re.S)
        if fn and fn.group(1) in _FUNCTIONS:
            return self.function(fn.group(1), fn.group(2), auto, depth)
        sub = re.match(r"^([^:]+):([^=]*)=(.*)$", inner)
        if sub:
            words = self.value(self.expand(sub.group(1), auto, depth + 1), auto).split()
            old, new = sub.group(2), sub.group(3)
            if "%" not in old:
                old, new = "%" + old, "%" + new
            return " ".join(_patsubst(old, new, w) for w in words)
        name = self.expand(inner, auto, depth + 1)
        if name in ("@D", "@F", "<D", "<F") and auto:
            v = auto.get(name[0], "")
            return (posixpath.dirname(v) or ".") if name[1] == "D" else posixpath.basename(v)
        return self.value(name, auto)

    def function(self, name: str, args_text: str, auto: dict[str, str] | None,
                 depth: int) -> str:
        def ex(s: str) -> str:
            return self.expand(s, auto, depth + 1)

        args = _split_args(args_text)
        if name == "shell":
            return self.shell(ex(args_text))
        if name == "wildcard":
            found: list[str] = []
            for pattern in ex(args_text).split():
                found.extend(self.wildcard(pattern))
            return " ".join(found)
        if name == "patsubst" and len(args) == 3:
            return " ".join(_patsubst(ex(args[0]).strip(), ex(args[1]).strip(), w)
                            for w in ex(args[2]).split())
        if name == "subst" and len(args) == 3:
            return ex(args[2]).replace(ex(args[0]), ex(args[1]))
        if name in ("addprefix", "addsuffix") and len(args) == 2:
            fix = ex(args[0]).strip()
            words = ex(args[1]).split()
            return " ".join(fix + w if name == "addprefix" else w + fix for w in words)
        if name in ("filter", "filter-out") and len(args) == 2:
            pats = ex(args[0]).split()
            keep = name == "filter"
            return " ".join(w for w in ex(args[1]).split()
                            if any(_pattern_stem(p, w) is not None for p in pats) == keep)
        if name == "notdir":
            return " ".join(posixpath.basename(w) for w in ex(args_text).split())
        if name == "dir":
            return " ".join((posixpath.dirname(w) or ".") + "/" for w in ex(args_text).split())
        if name == "basename":
            return " ".join(posixpath.splitext(w)[0] for w in ex(args_text).split())
        if name == "suffix":
            return " ".join(posixpath.splitext(w)[1] for w in ex(args_text).split()
                            if posixpath.splitext(w)[1])
        if name == "sort":
            return " ".join(sorted(set(ex(args_text).split())))
        if name == "strip":
            return " ".join(ex(args_text).split())
        if name == "words":
            return str(len(ex(args_text).split()))
        if name == "firstword":
            words = ex(args_text).split()
            return words[0] if words else ""
        if name == "word" and len(args) == 2:
            words = ex(args[1]).split()
            n = ex(args[0]).strip()
            return words[int(n) - 1] if n.isdigit() and 0 < int(n) <= len(words) else ""
        if name == "if":
            cond = ex(args[0]).strip() if args else ""
            if cond:
                return ex(args[1]) if len(args) > 1 else ""
            return ex(",".join(args[2:])) if len(args) > 2 else ""
        if name == "foreach" and len(args) == 3:
            var = ex(args[0]).strip()
            parts = []
            for w in ex(args[1]).split():
                saved = self.mf.vars.get(var)
                self.mf.vars[var] = (w, False)
                parts.append(ex(args[2]))
                if saved is None:
                    del self.mf.vars[var]
                else:
                    self.mf.vars[var] = saved
            return " ".join(parts)
        if name in ("info", "warning", "error"):
            msg = ex(args_text)
            if name == "info":
                self.proc.out(msg + "\n")
            elif name == "warning":
                self.proc.err(f"{self.mf.path}: {msg}\n")
            else:
                raise MakeError(f"{posixpath.basename(self.mf.path)}: *** {msg}.  Stop.")
            return ""
        return ""

    def shell(self, command: str) -> str:
        child = replace(self.proc, stdout=bytearray(), cwd=self.cwd, stdin=b"")
        run_child(child, ["sh", "-c", command])
        self.proc.seconds = max(self.proc.seconds, child.seconds)
        return " ".join(bytes(child.stdout).decode(errors="replace").split("\n")).strip()

    def wildcard(self, pattern: str) -> list[str]:
        folder = posixpath.dirname(pattern)
        try:
            names = self.proc.fs.listdir(self.proc.fs.resolve(normalize(folder or ".",
                                                                         self.cwd)))
        except FsError:
            return []
        base = posixpath.basename(pattern)
        return sorted(posixpath.join(folder, n) if folder else n for n in names
                      if glob_match(base, n))

    # -- building --------------------------------------------------------------------------------
    def node(self, target: str) -> int | None:
        """The mtime of `target`, None when it does not exist (yet)."""
        try:
            node = self.proc.fs.get(self.proc.fs.resolve(normalize(target, self.cwd)))
        except FsError:
            return None
        return None if node is None else node.mtime

    def rule_for(self, target: str) -> tuple[Rule, str] | None:
        rule = self.mf.rules.get(target)
        if rule is not None and (rule.recipe or target in self.mf.phony):
            return rule, ""
        for pattern in [*self.mf.patterns, *_builtin_patterns()]:
            for t in pattern.targets:
                stem = _pattern_stem(t, target)
                if stem is None:
                    continue
                prereqs = [p.replace("%", stem) for p in pattern.prereqs]
                if all(self.node(p) is not None or p in self.mf.rules for p in prereqs):
                    extra = rule.prereqs if rule else []
                    return Rule([target], prereqs + extra, pattern.recipe, pattern.line), stem
        if rule is not None:
            return rule, ""
        return None

    def build(self, target: str, parent: str | None = None) -> bool:
        """Make `target`; True when it was (re)made."""
        if target in self.built and target not in self.building:
            return self.built[target]
        if target in self.building:
            return False
        found = self.rule_for(target)
        if found is None:
            if self.node(target) is not None:
                self.built[target] = False
                return False
            needed = f", needed by '{parent}'" if parent else ""
            raise MakeError(f"No rule to make target '{target}'{needed}.  Stop.")
        rule, stem = found
        self.built[target] = False
        self.building.add(target)
        remade = False
        for prereq in rule.prereqs:
            if prereq in self.building:
                self.proc.err(f"make: Circular {target} <- {prereq} dependency dropped.\n")
                continue
            remade = self.build(prereq, target) or remade
        self.building.discard(target)
        mtime = self.node(target)
        phony = target in self.mf.phony
        now = now_of(self.proc)
        for p in rule.prereqs:
            when = self.node(p)
            if when is not None and when > now and p not in self.skewed:
                self.skewed.add(p)
                self.proc.err(f"make: Warning: File '{p}' has modification time "
                              f"{when - now} s in the future\n")
        stale = (phony or mtime is None or self.always or remade or any(
            (self.node(p) or 0) > mtime for p in rule.prereqs))
        if not stale or not rule.recipe:
            self.built[target] = stale and bool(rule.recipe)
            return phony and not rule.recipe and remade
        auto = {"@": target, "<": rule.prereqs[0] if rule.prereqs else "",
                "^": " ".join(dict.fromkeys(rule.prereqs)), "*": stem,
                "?": " ".join(p for p in rule.prereqs if mtime is None or (self.node(p) or 0)
                              > mtime), "+": " ".join(rule.prereqs)}
        for number, raw in rule.recipe:
            line = self.expand(raw, auto)
            quiet = self.silent
            ignore = self.ignore
            while line[:1] in ("@", "-", "+"):
                quiet = quiet or line[0] == "@"
                ignore = ignore or line[0] == "-"
                line = line[1:].lstrip()
            if not line.strip():
                continue
            if not quiet or self.dry:
                self.proc.out(line + "\n")
            self.did_work = True
            if self.dry:
                continue
            status = self.run(line)
            if status:
                where = f"{posixpath.basename(self.mf.path)}:{number}: {target}"
                if ignore:
                    self.proc.err(f"make: [{where}] Error {status} (ignored)\n")
                    continue
                raise MakeError(f"[{where}] Error {status}")
        self.built[target] = True
        return True

    def run(self, line: str) -> int:
        child = replace(self.proc, cwd=self.cwd, argv=["sh", "-c", line])
        status = run_child(child, ["sh", "-c", line])
        self.proc.seconds = max(self.proc.seconds, child.seconds)
        return status


def _builtin_patterns() -> list[Rule]:
    return [
        Rule(["%.o"], ["%.c"], [(0, "$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<")]),
        Rule(["%.o"], ["%.cc"], [(0, "$(CXX) $(CXXFLAGS) $(CPPFLAGS) -c -o $@ $<")]),
        Rule(["%.o"], ["%.cpp"], [(0, "$(CXX) $(CXXFLAGS) $(CPPFLAGS) -c -o $@ $<")]),
        Rule(["%"], ["%.c"], [(0, "$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@")]),
        Rule(["%"], ["%.o"], [(0, "$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@")]),
    ]


_FUNCTIONS = {"shell", "wildcard", "patsubst", "subst", "addprefix", "addsuffix", "filter",
              "filter-out", "notdir", "dir", "basename", "suffix", "sort", "strip", "words",
              "firstword", "word", "if", "foreach", "info", "warning", "error"}


def _split_args(text: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    level = 0
    for c in text:
        if c in "({":
            level += 1
        elif c in ")}":
            level -= 1
        if c == "," and level == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    out.append("".join(cur))
    return out


def _pattern_stem(pattern: str, word: str) -> str | None:
    if "%" not in pattern:
        return "" if pattern == word else None
    pre, post = pattern.split("%", 1)
    if word.startswith(pre) and word.endswith(post) and len(word) >= len(pre) + len(post):
        return word[len(pre):len(word) - len(post)]
    return None


def _patsubst(old: str, new: str, word: str) -> str:
    stem = _pattern_stem(old, word)
    if stem is None:
        return word
    return new.replace("%", stem, 1) if "%" in new else new


@program("make", "gmake")
def make(proc: Process) -> int:
    args = proc.argv[1:]
    cwd = proc.cwd
    files: list[str] = []
    overrides: dict[str, str] = {}
    goals: list[str] = []
    silent = dry = keep = always = ignore = False
    print_dir = False
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-C", "--directory", "-f", "--file", "--makefile", "-I", "-o", "-W", "-l"):
            i += 1
            value = args[i] if i < len(args) else ""
            if a in ("-C", "--directory"):
                cwd = normalize(value, cwd)
                print_dir = True
            elif a in ("-f", "--file", "--makefile"):
                files.append(value)
        elif a.startswith("-C") and len(a) > 2:
            cwd = normalize(a[2:], cwd)
            print_dir = True
        elif a.startswith("--directory="):
            cwd = normalize(a.split("=", 1)[1], cwd)
            print_dir = True
        elif a.startswith("-f") and len(a) > 2:
            files.append(a[2:])
        elif a.startswith(("--file=", "--makefile=")):
            files.append(a.split("=", 1)[1])
        elif a == "--version" or a == "-v":
            proc.out("GNU Make 4.3\nBuilt for x86_64-pc-linux-gnu\nCopyright (C) 1988-2020 "
                     "Free Software Foundation, Inc.\n")
            return 0
        elif a.startswith("--"):
            flag = a[2:].split("=")[0]
            silent = silent or flag in ("silent", "quiet")
            dry = dry or flag in ("dry-run", "just-print", "recon")
            keep = keep or flag == "keep-going"
            always = always or flag == "always-make"
            ignore = ignore or flag == "ignore-errors"
            if flag == "no-print-directory":
                print_dir = False
        elif a.startswith("-") and len(a) > 1:
            letters = a[1:]
            if letters.startswith("j"):
                # -j, -j4, -j 4: recipes still run one after another here
                if letters == "j" and i + 1 < len(args) and args[i + 1].isdigit():
                    i += 1
            else:
                silent = silent or "s" in letters
                dry = dry or "n" in letters
                keep = keep or "k" in letters
                always = always or "B" in letters
                ignore = ignore or "i" in letters
        elif "=" in a and re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*\s*:?=", a):
            name, _, value = a.partition("=")
            overrides[name.rstrip(":").strip()] = value
        else:
            goals.append(a)
        i += 1
    if proc.fs.get(proc.fs.resolve(cwd)) is None:
        shown = posixpath.relpath(cwd, proc.cwd) if cwd.startswith(proc.cwd) else cwd
        proc.err(f"make: *** {shown}: No such file or directory.  Stop.\n")
        return 2
    runner = Make(proc, cwd, overrides, silent, dry, keep, always, ignore)
    if print_dir:
        proc.out(f"make: Entering directory '{cwd}'\n")
    status = _run_make(proc, runner, files, goals)
    if runner.skewed:
        proc.err("make: warning:  Clock skew detected.  Your build may be incomplete.\n")
    if print_dir:
        proc.out(f"make: Leaving directory '{cwd}'\n")
    return status


def _run_make(proc: Process, runner: Make, files: list[str], goals: list[str]) -> int:
    try:
        if files:
            for f in files:
                try:
                    runner.read(f)
                except FsError as exc:
                    raise MakeError(f"{f}: No such file or directory") from exc
        else:
            for name in ("GNUmakefile", "makefile", "Makefile"):
                if runner.node(name) is not None:
                    runner.read(name)
                    break
            else:
                if not goals:
                    raise MakeError("No targets specified and no makefile found.  Stop.")
        targets = goals or ([runner.mf.default] if runner.mf.default else [])
        if not targets:
            raise MakeError("No targets.  Stop.")
        for target in targets:
            remade = runner.build(target)
            if not remade and not runner.did_work:
                rule = runner.mf.rules.get(target)
                if target in runner.mf.phony or (rule is not None and not rule.recipe) or \
                        runner.rule_for(target) is None:
                    proc.out(f"make: Nothing to be done for '{target}'.\n")
                else:
                    proc.out(f"make: '{target}' is up to date.\n")
    except MakeError as exc:
        message = str(exc)
        if ": *** " in message:
            proc.err(f"make: {message}\n" if not message.startswith(
                posixpath.basename(runner.mf.path)) else f"{message}\n")
        else:
            proc.err(f"make: *** {message}\n")
        return exc.status
    except FsError as exc:
        proc.err(f"make: {exc.path}: {exc.strerror}\n")
        return 2
    return 0


# -- cmake -------------------------------------------------------------------------------------

@dataclass
class Project:
    name: str = "Project"
    languages: list[str] = field(default_factory=lambda: ["C", "CXX"])
    executables: dict[str, list[str]] = field(default_factory=dict)
    installs: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)


def _cmake_commands(text: str) -> list[tuple[str, list[str], int]]:
    text = re.sub(r"#[^\n]*", "", text)
    out = []
    for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)", text):
        line = text[:m.start()].count("\n") + 1
        try:
            args = shlex.split(m.group(2))
        except ValueError:
            args = m.group(2).split()
        out.append((m.group(1).lower(), args, line))
    return out


def _project(text: str, defines: dict[str, str]) -> Project:
    proj = Project()
    proj.vars.update(defines)

    def sub(s: str) -> str:
        return re.sub(r"\$\{([^}]+)\}", lambda m: proj.vars.get(m.group(1), ""), s)

    for command, raw, _ in _cmake_commands(text):
        args = [sub(a) for a in raw]
        if command == "project" and args:
            proj.name = args[0]
            proj.vars["PROJECT_NAME"] = args[0]
            if "LANGUAGES" in args:
                proj.languages = args[args.index("LANGUAGES") + 1:]
        elif command == "set" and args:
            proj.vars.setdefault(args[0], " ".join(args[1:])) if args[0] in defines else (
                proj.vars.__setitem__(args[0], " ".join(args[1:])))
        elif command == "add_executable" and args:
            proj.executables[args[0]] = [a for a in args[1:] if a not in ("WIN32",
                                                                          "MACOSX_BUNDLE")]
        elif command == "install" and args and args[0] == "TARGETS":
            dest = "bin"
            if "DESTINATION" in args:
                dest = args[args.index("DESTINATION") + 1]
            for t in args[1:]:
                if t in ("DESTINATION", "RUNTIME", "LIBRARY", "ARCHIVE"):
                    break
                proj.installs[t] = dest
    return proj


def _cmake_makefile(proj: Project, src: str, build: str) -> str:
    lines = ["# CMAKE generated file: DO NOT EDIT!", "# Generated by \"Unix Makefiles\" "
             "Generator, CMake Version 3.25", "", f"all: {' '.join(proj.executables)}", ""]
    total = sum(len(s) for s in proj.executables.values()) + len(proj.executables)
    step = 0
    for exe, sources in proj.executables.items():
        objs = []
        for source in sources:
            step += 1
            pct = f"{100 * step // max(total, 1):3d}"
            obj = f"CMakeFiles/{exe}.dir/{source}.o"
            objs.append(obj)
            compiler = "c++" if source.endswith((".cc", ".cpp", ".cxx")) else "cc"
            lang = "CXX" if compiler == "c++" else "C"
            lines += [f"{obj}: {posixpath.join(src, source)}",
                      f"\t@echo \"[{pct}%] Building {lang} object {obj}\"",
                      f"\t@mkdir -p {posixpath.dirname(obj)}",
                      f"\t@{compiler} -O3 -DNDEBUG -o {obj} -c {posixpath.join(src, source)}",
                      ""]
        step += 1
        pct = f"{100 * step // max(total, 1):3d}"
        lines += [f"{exe}: {' '.join(objs)}",
                  f"\t@echo \"[{pct}%] Linking C executable {exe}\"",
                  f"\t@cc -O3 -DNDEBUG {' '.join(objs)} -o {exe}",
                  f"\t@echo \"[{pct}%] Built target {exe}\"", ""]
    lines += [".PHONY: all", ""]
    return "\n".join(lines)


@program("cmake")
def cmake(proc: Process) -> int:
    args = proc.argv[1:]
    if not args or args[0] in ("--help", "-h"):
        proc.out("Usage\n\n  cmake [options] <path-to-source>\n  cmake [options] "
                 "<path-to-existing-build>\n  cmake [options] -S <path-to-source> -B "
                 "<path-to-build>\n")
        return 0
    if args[0] == "--version":
        proc.out("cmake version 3.25.1\n\nCMake suite maintained and supported by Kitware "
                 "(kitware.com/cmake).\n")
        return 0
    if args[0] == "--build":
        return _cmake_build(proc, args[1:])
    if args[0] == "--install":
        return _cmake_install(proc, args[1:])
    src: str | None = None
    build: str | None = None
    defines: dict[str, str] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-S", "-B", "-G", "-C", "-T", "-A"):
            i += 1
            value = args[i] if i < len(args) else ""
            if a == "-S":
                src = value
            elif a == "-B":
                build = value
        elif a.startswith("-S") and len(a) > 2:
            src = a[2:]
        elif a.startswith("-B") and len(a) > 2:
            build = a[2:]
        elif a.startswith("-D"):
            name, _, value = a[2:].partition("=")
            defines[name.split(":")[0]] = value
        elif a.startswith("-"):
            pass
        else:
            src = src or a
        i += 1
    build_dir = normalize(build or ".", proc.cwd)
    src_dir = normalize(src or ".", proc.cwd)
    if src is None and build is None:
        src_dir = proc.cwd
    cache = _read_cache(proc, src_dir)
    if cache is not None and src is not None and not proc.fs.get(
            posixpath.join(src_dir, "CMakeLists.txt")):
        build_dir, src_dir = src_dir, cache
    try:
        text = read_bytes(proc, posixpath.join(src_dir, "CMakeLists.txt")).decode(
            errors="replace")
    except FsError:
        proc.err(f"CMake Error: The source directory \"{src_dir}\" does not appear to contain "
                 "CMakeLists.txt.\nSpecify --help for usage, or press the help button on the "
                 "CMake GUI.\n")
        return 1
    proj = _project(text, defines)
    busybox = tools_of(proc) == "busybox"
    compiler_ok = _on_path(proc, "cc") or _on_path(proc, "gcc")
    ident = "GNU 14.2.0" if busybox else "GNU 12.2.0"
    for lang in [lang for lang in proj.languages if lang in ("C", "CXX")]:
        label = "C" if lang == "C" else "CXX"
        if not compiler_ok:
            proc.out(f"-- The {label} compiler identification is unknown\n")
            proc.err(f"CMake Error at CMakeLists.txt:2 (project):\n  No CMAKE_{label}_COMPILER "
                     "could be found.\n\n  Tell CMake where to find the compiler by setting "
                     f"either the environment\n  variable \"{'CC' if lang == 'C' else 'CXX'}\" "
                     "or the CMake cache entry CMAKE_"
                     f"{label}_COMPILER\n  to the full path to the compiler, or to the compiler "
                     "name if it is in the PATH.\n\n\n")
            proc.out("-- Configuring incomplete, errors occurred!\n")
            return 1
        proc.out(f"-- The {label} compiler identification is {ident}\n")
    for lang in [lang for lang in proj.languages if lang in ("C", "CXX")]:
        label = "C" if lang == "C" else "CXX"
        path = "/usr/bin/cc" if lang == "C" else "/usr/bin/c++"
        proc.out(f"-- Detecting {label} compiler ABI info\n-- Detecting {label} compiler ABI "
                 f"info - done\n-- Check for working {label} compiler: {path} - skipped\n"
                 f"-- Detecting {label} compile features\n-- Detecting {label} compile "
                 "features - done\n")
    if not _on_path(proc, "make"):
        proc.err("CMake Error: CMake was unable to find a build program corresponding to "
                 "\"Unix Makefiles\".  CMAKE_MAKE_PROGRAM is not set.  You probably need to "
                 "select a different build tool.\n")
        proc.out("-- Configuring incomplete, errors occurred!\n")
        return 1
    proc.fs.makedirs(build_dir)
    proc.fs.makedirs(posixpath.join(build_dir, "CMakeFiles"))
    prefix = defines.get("CMAKE_INSTALL_PREFIX", "/usr/local")
    cache_text = (f"# This is the CMakeCache file.\nCMAKE_HOME_DIRECTORY:INTERNAL={src_dir}\n"
                  f"CMAKE_INSTALL_PREFIX:PATH={prefix}\nCMAKE_PROJECT_NAME:STATIC={proj.name}\n"
                  + "".join(f"TUTOR_INSTALL:{t}={d}\n" for t, d in proj.installs.items()))
    write_bytes(proc, posixpath.join(build_dir, "CMakeCache.txt"), cache_text.encode())
    write_bytes(proc, posixpath.join(build_dir, "Makefile"),
                _cmake_makefile(proj, src_dir, build_dir).encode())
    write_bytes(proc, posixpath.join(build_dir, "cmake_install.cmake"),
                f"# Install script for directory: {src_dir}\n".encode())
    proc.spend(1.2)
    proc.out(f"-- Configuring done\n-- Generating done\n-- Build files have been written to: "
             f"{build_dir}\n")
    return 0


def _read_cache(proc: Process, build: str) -> str | None:
    try:
        text = read_bytes(proc, posixpath.join(build, "CMakeCache.txt")).decode(errors="replace")
    except FsError:
        return None
    m = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", text, re.M)
    return m.group(1) if m else None


def _on_path(proc: Process, name: str) -> bool:
    for d in proc.env.get("PATH", "/usr/bin:/bin").split(":"):
        try:
            _, node = proc.fs.lookup(posixpath.join(d or ".", name), proc.cwd)
        except FsError:
            continue
        if node.type == "file":
            return True
    return False


def _cmake_build(proc: Process, args: list[str]) -> int:
    if not args:
        proc.err("Usage: cmake --build <dir>             [options] [-- [native-options]]\n")
        return 1
    build = normalize(args[0], proc.cwd)
    if _read_cache(proc, build) is None:
        proc.err(f"Error: {build} is not a directory\n" if proc.fs.get(build) is None else
                 "Error: could not load cache\n")
        return 1
    extra: list[str] = []
    rest = args[1:]
    if "--target" in rest and rest.index("--target") + 1 < len(rest):
        extra.append(rest[rest.index("--target") + 1])
    child = replace(proc, cwd=build, argv=["make", *extra])
    status = make(child)
    proc.seconds = max(proc.seconds, child.seconds)
    return status


def _cmake_install(proc: Process, args: list[str]) -> int:
    if not args:
        proc.err("Usage: cmake --install <dir> [options]\n")
        return 1
    build = normalize(args[0], proc.cwd)
    try:
        text = read_bytes(proc, posixpath.join(build, "CMakeCache.txt")).decode(errors="replace")
    except FsError:
        proc.err(f"CMake Error: Error processing file: {build}/cmake_install.cmake\n")
        return 1
    prefix_m = re.search(r"^CMAKE_INSTALL_PREFIX:PATH=(.*)$", text, re.M)
    prefix = prefix_m.group(1) if prefix_m else "/usr/local"
    if "--prefix" in args and args.index("--prefix") + 1 < len(args):
        prefix = args[args.index("--prefix") + 1]
    proc.out("-- Install configuration: \"\"\n")
    for target, dest in re.findall(r"^TUTOR_INSTALL:([^=]+)=(.*)$", text, re.M):
        src = posixpath.join(build, target)
        try:
            data = read_bytes(proc, src)
        except FsError:
            proc.err(f"CMake Error at cmake_install.cmake:46 (file):\n  file INSTALL cannot find"
                     f"\n  \"{src}\":\n  No such file or directory.\n\n\n")
            return 1
        target_dir = normalize(dest, prefix)
        proc.fs.makedirs(target_dir)
        out = posixpath.join(target_dir, target)
        write_bytes(proc, out, data)
        node = proc.fs.nodes[proc.fs.resolve(out)]
        proc.fs.put(proc.fs.resolve(out), replace(node, mode=0o755))
        proc.out(f"-- Installing: {out}\n")
    return 0
