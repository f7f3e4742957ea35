"""Accounts: lookups in /etc/passwd and /etc/group, and the tools that add users and groups.

busybox `adduser`/`addgroup` live here; shadow's `useradd`/`groupadd`/`usermod`/… are in
`shadow.py` and Debian's own `adduser`/`addgroup` (same names, long options) in
`adduser_debian.py`: which one answers follows the tree (busybox applets on Alpine).
"""

from __future__ import annotations

from dataclasses import replace

from tutor.engine.fs import FsError
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import (
    complain,
    new_node,
    now_of,
    read_bytes,
    split_flags,
    tools_of,
    write_bytes,
)


def _table(proc: Process, path: str) -> list[list[str]]:
    try:
        text = read_bytes(proc, path).decode(errors="replace")
    except FsError:
        return []
    return [line.split(":") for line in text.splitlines() if line and not line.startswith("#")]


def lookup_user(proc: Process, name: str) -> tuple[int, int] | None:
    """(uid, gid) of a user name or numeric id; a bare number is accepted as tools do."""
    for row in _table(proc, "/etc/passwd"):
        if len(row) >= 4 and (row[0] == name):
            return int(row[2]), int(row[3])
    return (int(name), int(name)) if name.isdigit() else None


def lookup_group_id(proc: Process, name: str) -> int | None:
    for row in _table(proc, "/etc/group"):
        if len(row) >= 3 and row[0] == name:
            return int(row[2])
    return int(name) if name.isdigit() else None


def user_name(proc: Process, uid: int) -> str:
    for row in _table(proc, "/etc/passwd"):
        if len(row) >= 3 and row[2] == str(uid):
            return row[0]
    return str(uid)


def group_name(proc: Process, gid: int) -> str:
    for row in _table(proc, "/etc/group"):
        if len(row) >= 3 and row[2] == str(gid):
            return row[0]
    return str(gid)


def groups_of(proc: Process, user: str, primary: int) -> list[int]:
    ids = [primary]
    for row in _table(proc, "/etc/group"):
        if len(row) >= 4 and user in row[3].split(",") and int(row[2]) not in ids:
            ids.append(int(row[2]))
    return ids


def _append(proc: Process, path: str, line: str) -> None:
    try:
        old = read_bytes(proc, path)
    except FsError:
        old = b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    write_bytes(proc, path, old + line.encode() + b"\n")


def _free_id(proc: Process, path: str, low: int, high: int, descending: bool = False) -> int:
    used = {int(row[2]) for row in _table(proc, path) if len(row) >= 3 and row[2].isdigit()}
    span = range(high, low - 1, -1) if descending else range(low, high + 1)
    return next(i for i in span if i not in used)


def _make_home(proc: Process, home: str, uid: int, gid: int, mode: int = 0o755) -> None:
    real = proc.fs.resolve(home)
    if real in proc.fs:
        return
    proc.fs.makedirs(real.rsplit("/", 1)[0] or "/")
    proc.fs.put(real, replace(new_node(proc, "dir"), uid=uid, gid=gid, mode=mode))
    try:
        for name in proc.fs.listdir("/etc/skel"):
            src = proc.fs.nodes[f"/etc/skel/{name}"]
            proc.fs.put(f"{real}/{name}", replace(src, uid=uid, gid=gid, mtime=now_of(proc)))
    except FsError:
        pass


def _add_group(proc: Process, name: str, gid: int) -> None:
    _append(proc, "/etc/group", f"{name}:x:{gid}:")
    if proc.fs.get("/etc/gshadow") is not None:
        _append(proc, "/etc/gshadow", f"{name}:!::")


def _add_member(proc: Process, group: str, user: str) -> None:
    lines = read_bytes(proc, "/etc/group").decode(errors="replace").splitlines()
    out = []
    for line in lines:
        row = line.split(":")
        if len(row) >= 4 and row[0] == group:
            members = [m for m in row[3].split(",") if m]
            if user not in members:
                members.append(user)
            row[3] = ",".join(members)
            line = ":".join(row)
        out.append(line)
    write_bytes(proc, "/etc/group", ("\n".join(out) + "\n").encode())


def _days(proc: Process) -> int:
    return now_of(proc) // 86400


@program("addgroup")
def addgroup(proc: Process) -> int:
    if tools_of(proc) != "busybox":
        from tutor.engine.sh.adduser_debian import debian_addgroup

        return debian_addgroup(proc)
    flags, values, args = split_flags(proc.argv[1:], with_value="g")
    if not args:
        proc.err(
            "BusyBox v1.36.1 multi-call binary.\n\nUsage: addgroup [-g GID] [-S] [USER] GROUP\n"
        )
        return 1
    if len(args) == 2:
        user, group = args
        if lookup_group_id(proc, group) is None:
            return complain(proc, f"unknown group {group}", f"The group `{group}' does not exist.")
        _add_member(proc, group, user)
        return 0
    name = args[0]
    if any(row[0] == name for row in _table(proc, "/etc/group")):
        return complain(proc, f"group '{name}' in use", f"The group `{name}' already exists.")
    if not values.get("g", "0").isdigit():
        return complain(proc, f"invalid number '{values['g']}'", f"invalid number '{values['g']}'")
    gid = (
        int(values["g"])
        if "g" in values
        else _free_id(
            proc, "/etc/group", 100 if "S" in flags else 1000, 999 if "S" in flags else 64999
        )
    )
    _add_group(proc, name, gid)
    return 0


@program("adduser")
def adduser(proc: Process) -> int:
    if tools_of(proc) != "busybox":
        from tutor.engine.sh.adduser_debian import debian_adduser

        return debian_adduser(proc)
    flags, values, args = split_flags(proc.argv[1:], with_value="hgsGuk")
    if not args:
        proc.err("BusyBox v1.36.1 multi-call binary.\n\nUsage: adduser [OPTIONS] USER [GROUP]\n")
        return 1
    if proc.uid != 0:
        return complain(proc, "permission denied (are you root?)", "Only root may add a user.")
    name = args[0]
    if lookup_user(proc, name) is not None and not name.isdigit():
        return complain(proc, f"user '{name}' in use", f"The user `{name}' already exists.")
    if not values.get("u", "0").isdigit():
        return complain(proc, f"invalid number '{values['u']}'", f"invalid number '{values['u']}'")
    system = "S" in flags
    uid = (
        int(values["u"])
        if "u" in values
        else _free_id(proc, "/etc/passwd", 100 if system else 1000, 999 if system else 64999)
    )
    group = values.get("G") or (args[1] if len(args) > 1 else "")
    if group:
        gid = lookup_group_id(proc, group)
        if gid is None:
            return complain(proc, f"unknown group {group}", f"unknown group {group}")
    elif system:
        gid = lookup_group_id(proc, "nogroup") or 65533
    else:
        gid = uid
        if lookup_group_id(proc, name) is None:
            _add_group(proc, name, gid)
        else:
            gid = lookup_group_id(proc, name) or uid
    home = values.get("h", f"/home/{name}")
    # New users inherit root's shell; system accounts get /bin/false.
    root_shell = next(
        (r[6] for r in _table(proc, "/etc/passwd") if r[0] == "root" and len(r) > 6), "/bin/sh"
    )
    shell = values.get("s", "/bin/false" if system else root_shell)
    gecos = values.get("g", "Linux User,,,")
    _append(proc, "/etc/passwd", f"{name}:x:{uid}:{gid}:{gecos}:{home}:{shell}")
    if proc.fs.get("/etc/shadow") is not None:
        _append(proc, "/etc/shadow", f"{name}:!:{_days(proc)}:0:99999:7:::")
    if "H" not in flags and home != "/dev/null":
        _make_home(proc, home, uid, gid, 0o2755)
    if "D" not in flags and "S" not in flags:
        # adduser then runs `passwd`, which finds no terminal to read a password from.
        proc.out(f"Changing password for {name}\nNew password: \nRetype password: \n")
        proc.err(f"passwd: password for {name} is unchanged\n")
        return 1
    return 0
