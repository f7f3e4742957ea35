"""`sh`, `ash`, `dash` and `bash` as programs: how `/bin/sh -c '…'` and `#!/bin/sh` scripts run."""

from __future__ import annotations

from tutor.engine.fs import FsError
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._interp import shell_for
from tutor.engine.sh._proc import ShellKind, as_shell_process, tools_of

FLAG_OPTIONS = {"e": "e", "x": "x", "u": "u", "f": "f", "a": "a"}
LONG_OPTIONS = {
    "errexit": "e",
    "xtrace": "x",
    "nounset": "u",
    "noglob": "f",
    "pipefail": "pipefail",
}


def run_shell(proc: Process, kind: ShellKind) -> int:
    sp = as_shell_process(proc)
    argv0 = proc.argv[0] if proc.argv else "sh"
    args = proc.argv[1:]
    opts: set[str] = set()
    command = False
    while args and args[0][:1] in ("-", "+") and args[0] not in ("-", "+"):
        flag = args.pop(0)
        if flag == "--":
            break
        if flag in ("-o", "+o"):
            name = args.pop(0) if args else ""
            if name not in LONG_OPTIONS or (name == "pipefail" and kind == "dash"):
                # dash (Debian's /bin/sh) has no pipefail: `SHELL ["/bin/sh", "-o", "pipefail",
                # "-c"]` fails before running anything.
                if kind == "bash":
                    proc.err(f"{argv0}: {name}: invalid option name\n")
                else:
                    proc.err(
                        f"{argv0}: {'0: ' if kind == 'dash' else ''}Illegal option -o {name}\n"
                    )
                return 2
            if flag == "-o":
                opts.add(LONG_OPTIONS[name])
            continue
        for ch in flag[1:]:
            if ch == "c":
                command = True
            elif ch in FLAG_OPTIONS and flag[0] == "-":
                opts.add(FLAG_OPTIONS[ch])
    name = argv0
    from_file = False
    if command:
        if not args:
            proc.err(
                f"{argv0}: -c: option requires an argument\n"
                if kind != "dash"
                else f"{argv0}: 0: -c requires an argument\n"
            )
            return 2
        script = args[0]
        if len(args) > 1:
            name = args[1]
        positional = args[2:]
    elif args:
        name = args[0]
        positional = args[1:]
        from_file = True
        try:
            _, node = proc.fs.lookup(name, proc.cwd)
            if node.type == "dir":
                raise FsError("EISDIR", name)
            script = node.content.read().decode(errors="replace") if node.content else ""
        except FsError as e:
            if kind == "dash":
                proc.err(f"{argv0}: 0: cannot open {name}: No such file\n")
                return 2
            if kind == "bash":
                proc.err(f"{argv0}: {name}: {e.strerror}\n")
                return 126 if e.code == "EISDIR" else 127
            proc.err(f"{argv0}: can't open '{name}': {e.strerror}\n")
            return 2
    else:
        script = proc.stdin.decode(errors="replace")
        positional = []
    shell = shell_for(sp, kind, name)
    shell.opts = opts
    shell.positional = positional
    shell.from_file = from_file
    shell.vars.setdefault("PWD", proc.cwd)
    shell.exported.add("PWD")
    if kind != "dash":
        level = shell.vars.get("SHLVL", "0")
        shell.vars["SHLVL"] = str(int(level) + 1 if level.isdigit() else 1)
        shell.exported.add("SHLVL")
    status = shell.run_text(script)
    proc.seconds = max(proc.seconds, shell.clock.seconds)
    return status


@program("sh", "ash")
def sh(proc: Process) -> int:
    return run_shell(proc, "ash" if tools_of(proc) == "busybox" else "dash")


@program("dash")
def dash(proc: Process) -> int:
    return run_shell(proc, "dash")


@program("bash")
def bash(proc: Process) -> int:
    return run_shell(proc, "bash")
