"""shadow's account tools as Debian and Ubuntu ship them: `useradd`, `groupadd`, `usermod`,
`userdel`, `groupmod`, `groupdel`.

Defaults follow Debian's /etc/login.defs and /etc/default/useradd: user ids 1000–60000, system
ids counted down from 999, a group per user, shell /bin/sh, no home directory unless `-m`.
Messages and exit codes are shadow's (2 bad usage, 3 bad argument, 4 id in use, 6 no such
user/group, 8 user logged in / primary group, 9 name in use, 12 cannot create or remove home).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace

from tutor.engine.fs import FsError
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import read_bytes, write_bytes
from tutor.engine.sh.users import (
    _add_group,
    _append,
    _days,
    _free_id,
    _make_home,
    _table,
    lookup_group_id,
)


@dataclass
class Options:
    values: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    operands: list[str] = field(default_factory=list)
    error: str = ""


def parse(args: list[str], with_value: dict[str, str], flags: dict[str, str]) -> Options:
    """getopt_long as shadow uses it: `with_value`/`flags` map option names (`u`, `uid`) to keys;
    short options bundle (`-aG grp`), long ones take `=value` or the next argument."""
    opts = Options()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            opts.operands.extend(args[i + 1:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            if name in with_value:
                if not eq:
                    i += 1
                    if i >= len(args):
                        opts.error = f"option '--{name}' requires an argument"
                        return opts
                    value = args[i]
                opts.values[with_value[name]] = value
            elif name in flags:
                opts.flags.add(flags[name])
            else:
                opts.error = f"unrecognized option '--{name}'"
                return opts
        elif arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                c = arg[j]
                if c in with_value:
                    value = arg[j + 1:]
                    if not value:
                        i += 1
                        if i >= len(args):
                            opts.error = f"option requires an argument -- '{c}'"
                            return opts
                        value = args[i]
                    opts.values[with_value[c]] = value
                    break
                if c in flags:
                    opts.flags.add(flags[c])
                else:
                    opts.error = f"invalid option -- '{c}'"
                    return opts
                j += 1
        else:
            opts.operands.append(arg)
        i += 1
    return opts


def _usage(proc: Process, tool: str, error: str, usage: str) -> int:
    if error:
        proc.err(f"{tool}: {error}\n")
    proc.err(f"Usage: {tool} [options] {usage}\n\nOptions:\n")
    return 2


def _rewrite(proc: Process, path: str, change: object) -> None:
    """Rewrite the rows of an account table through `change(row) -> row | None`."""
    try:
        lines = read_bytes(proc, path).decode(errors="replace").splitlines()
    except FsError:
        return
    out = []
    for line in lines:
        row = line.split(":")
        new = change(row) if line and not line.startswith("#") else row  # type: ignore[operator]
        if new is not None:
            out.append(":".join(new))
    write_bytes(proc, path, ("\n".join(out) + "\n").encode() if out else b"")


def _user_row(proc: Process, name: str) -> list[str] | None:
    return next((r for r in _table(proc, "/etc/passwd") if len(r) >= 7 and r[0] == name), None)


def _group_row(proc: Process, name: str) -> list[str] | None:
    return next((r for r in _table(proc, "/etc/group") if len(r) >= 3 and r[0] == name), None)


def _set_members(proc: Process, user: str, groups: list[str], append: bool) -> None:
    def change(row: list[str]) -> list[str]:
        if len(row) < 4:
            return row
        members = [m for m in row[3].split(",") if m]
        if row[0] in groups and user not in members:
            members.append(user)
        elif row[0] not in groups and user in members and not append:
            members.remove(user)
        row[3] = ",".join(members)
        return row

    _rewrite(proc, "/etc/group", change)
    if proc.fs.get("/etc/gshadow") is not None:  # its member list is the fourth field too
        _rewrite(proc, "/etc/gshadow", change)


def _check_groups(proc: Process, tool: str, spec: str) -> list[str] | int:
    names = [g for g in spec.split(",") if g]
    for g in names:
        if lookup_group_id(proc, g) is None:
            proc.err(f"{tool}: group '{g}' does not exist\n")
            return 6
    return [g if not g.isdigit() else next(
        (r[0] for r in _table(proc, "/etc/group") if len(r) >= 3 and r[2] == g), g)
        for g in names]


_GROUPADD_V = {"g": "g", "gid": "g", "K": "K", "key": "K", "p": "p", "password": "p",
               "R": "R", "root": "R", "P": "P", "prefix": "P", "U": "U", "users": "U"}
_GROUPADD_F = {"f": "f", "force": "f", "o": "o", "non-unique": "o", "r": "r", "system": "r",
               "h": "h", "help": "h"}


@program("groupadd")
def groupadd(proc: Process) -> int:
    opts = parse(proc.argv[1:], _GROUPADD_V, _GROUPADD_F)
    if opts.error or len(opts.operands) != 1 or "h" in opts.flags:
        return _usage(proc, "groupadd", opts.error, "GROUP")
    if proc.uid != 0:
        proc.err("groupadd: Permission denied.\ngroupadd: cannot lock /etc/group; try again "
                 "later.\n")
        return 10
    name = opts.operands[0]
    if _group_row(proc, name) is not None:
        if "f" in opts.flags:
            return 0
        proc.err(f"groupadd: group '{name}' already exists\n")
        return 9
    gid_text = opts.values.get("g")
    if gid_text is not None and not gid_text.isdigit():
        proc.err(f"groupadd: invalid group ID '{gid_text}'\n")
        return 3
    system = "r" in opts.flags
    if gid_text is not None:
        gid = int(gid_text)
        if any(r[2] == str(gid) for r in _table(proc, "/etc/group") if len(r) >= 3):
            if "f" in opts.flags:
                gid_text = None
            elif "o" not in opts.flags:
                proc.err(f"groupadd: GID '{gid}' already exists\n")
                return 4
    if gid_text is None:
        gid = _free_id(proc, "/etc/group", 100 if system else 1000, 999 if system else 60000,
                       descending=system)
    _add_group(proc, name, gid)
    if "U" in opts.values:
        _set_members(proc, "", [], True)
        for user in [u for u in opts.values["U"].split(",") if u]:
            _set_members(proc, user, [name], True)
    return 0


_USERADD_V = {"u": "u", "uid": "u", "g": "g", "gid": "g", "G": "G", "groups": "G",
              "d": "d", "home-dir": "d", "s": "s", "shell": "s", "c": "c", "comment": "c",
              "k": "k", "skel": "k", "K": "K", "key": "K", "e": "e", "expiredate": "e",
              "f": "f", "inactive": "f", "p": "p", "password": "p", "b": "b",
              "base-dir": "b", "R": "R", "root": "R", "P": "P", "prefix": "P", "Z": "Z",
              "selinux-user": "Z"}
_USERADD_F = {"m": "m", "create-home": "m", "M": "M", "no-create-home": "M", "r": "r",
              "system": "r", "U": "U", "user-group": "U", "N": "N", "no-user-group": "N",
              "l": "l", "no-log-init": "l", "o": "o", "non-unique": "o", "h": "h", "help": "h",
              "D": "D", "defaults": "D"}


@program("useradd")
def useradd(proc: Process) -> int:
    opts = parse(proc.argv[1:], _USERADD_V, _USERADD_F)
    if "D" in opts.flags and not opts.operands:
        proc.out("GROUP=100\nHOME=/home\nINACTIVE=-1\nEXPIRE=\nSHELL=/bin/sh\n"
                 "SKEL=/etc/skel\nCREATE_MAIL_SPOOL=no\n")
        return 0
    if opts.error or len(opts.operands) != 1 or "h" in opts.flags:
        return _usage(proc, "useradd", opts.error, "LOGIN\n       useradd -D\n"
                      "       useradd -D [options]")
    if proc.uid != 0:
        proc.err("useradd: Permission denied.\nuseradd: cannot lock /etc/passwd; try again "
                 "later.\n")
        return 1
    name = opts.operands[0]
    if _user_row(proc, name) is not None:
        proc.err(f"useradd: user '{name}' already exists\n")
        return 9
    uid_text = opts.values.get("u")
    if uid_text is not None and not uid_text.isdigit():
        proc.err(f"useradd: invalid user ID '{uid_text}'\n")
        return 3
    system = "r" in opts.flags
    if uid_text is not None:
        uid = int(uid_text)
        if "o" not in opts.flags and any(
                r[2] == str(uid) for r in _table(proc, "/etc/passwd") if len(r) >= 3):
            proc.err(f"useradd: UID {uid} is not unique\n")
            return 4
    else:
        uid = _free_id(proc, "/etc/passwd", 100 if system else 1000, 999 if system else 60000,
                       descending=system)
    extra: list[str] = []
    if "G" in opts.values:
        checked = _check_groups(proc, "useradd", opts.values["G"])
        if isinstance(checked, int):
            return checked
        extra = checked
    if "g" in opts.values:
        found = lookup_group_id(proc, opts.values["g"])
        if found is None:
            proc.err(f"useradd: group '{opts.values['g']}' does not exist\n")
            return 6
        gid = found
    elif "N" in opts.flags:
        gid = lookup_group_id(proc, "users") or 100
    else:
        if _group_row(proc, name) is not None:
            proc.err(f"useradd: group {name} exists - if you want to add this user to that "
                     "group, use -g.\n")
            return 9
        taken = {r[2] for r in _table(proc, "/etc/group") if len(r) >= 3}
        gid = uid if str(uid) not in taken else _free_id(
            proc, "/etc/group", 100 if system else 1000, 999 if system else 60000,
            descending=system)
        _add_group(proc, name, gid)
    home = opts.values.get("d") or posixpath.join(opts.values.get("b", "/home"), name)
    shell = opts.values.get("s", "/bin/sh")
    _append(proc, "/etc/passwd", f"{name}:x:{uid}:{gid}:{opts.values.get('c', '')}:{home}:{shell}")
    if proc.fs.get("/etc/shadow") is not None:
        password = opts.values.get("p", "!")
        _append(proc, "/etc/shadow", f"{name}:{password}:{_days(proc)}:0:99999:7:::")
    for group in extra:
        _set_members(proc, name, [group], True)
    if "m" in opts.flags and "M" not in opts.flags:
        if proc.fs.get(proc.fs.resolve(home)) is not None:
            proc.err(f"useradd: warning: the home directory {home} already exists.\n"
                     "useradd: Not copying any file from skel directory into it.\n")
        else:
            parent = proc.fs.get(proc.fs.resolve(posixpath.dirname(home) or "/"))
            if parent is None:
                proc.err(f"useradd: cannot create directory {home}\n")
                return 12
            _make_home(proc, home, uid, gid, 0o755)
    return 0


_USERMOD_V = {"u": "u", "uid": "u", "g": "g", "gid": "g", "G": "G", "groups": "G",
              "d": "d", "home": "d", "s": "s", "shell": "s", "c": "c", "comment": "c",
              "l": "l", "login": "l", "e": "e", "expiredate": "e", "f": "f", "inactive": "f",
              "p": "p", "password": "p", "R": "R", "root": "R", "P": "P", "prefix": "P"}
_USERMOD_F = {"a": "a", "append": "a", "m": "m", "move-home": "m", "L": "L", "lock": "L",
              "U": "U", "unlock": "U", "o": "o", "non-unique": "o", "h": "h", "help": "h"}


@program("usermod")
def usermod(proc: Process) -> int:
    opts = parse(proc.argv[1:], _USERMOD_V, _USERMOD_F)
    if opts.error or len(opts.operands) != 1 or "h" in opts.flags:
        return _usage(proc, "usermod", opts.error, "LOGIN")
    name = opts.operands[0]
    row = _user_row(proc, name)
    if row is None:
        proc.err(f"usermod: user '{name}' does not exist\n")
        return 6
    if "a" in opts.flags and "G" not in opts.values:
        proc.err("usermod: -a flag is ONLY allowed with the -G flag\n")
        return _usage(proc, "usermod", "", "LOGIN")
    if proc.uid != 0:
        proc.err("usermod: Permission denied.\nusermod: cannot lock /etc/passwd; try again "
                 "later.\n")
        return 1
    new = list(row)
    old_uid = int(row[2])
    if "u" in opts.values:
        text = opts.values["u"]
        if not text.isdigit():
            proc.err(f"usermod: invalid user ID '{text}'\n")
            return 3
        if "o" not in opts.flags and text != row[2] and any(
                r[2] == text for r in _table(proc, "/etc/passwd") if len(r) >= 3):
            proc.err(f"usermod: UID '{text}' already exists\n")
            return 4
        new[2] = text
    if "g" in opts.values:
        gid = lookup_group_id(proc, opts.values["g"])
        if gid is None:
            proc.err(f"usermod: group '{opts.values['g']}' does not exist\n")
            return 6
        new[3] = str(gid)
    if "G" in opts.values:
        checked = _check_groups(proc, "usermod", opts.values["G"])
        if isinstance(checked, int):
            return checked
        _set_members(proc, name, checked, "a" in opts.flags)
    if "l" in opts.values:
        if _user_row(proc, opts.values["l"]) is not None and opts.values["l"] != name:
            proc.err(f"usermod: user '{opts.values['l']}' already exists\n")
            return 9
        new[0] = opts.values["l"]
    if "c" in opts.values:
        new[4] = opts.values["c"]
    if "d" in opts.values:
        new[5] = opts.values["d"]
        if "m" in opts.flags and row[5] != new[5]:
            _move_home(proc, row[5], new[5])
    if "s" in opts.values:
        new[6] = opts.values["s"]
    if new == row and not ({"G", "L", "U", "p"} & (set(opts.values) | opts.flags)):
        proc.out("usermod: no changes\n")
        return 0
    _rewrite(proc, "/etc/passwd", lambda r: new if r[0] == name else r)
    if proc.fs.get("/etc/shadow") is not None:
        def shadow(r: list[str]) -> list[str]:
            if r[0] != name or len(r) < 2:
                return r
            r[0] = new[0]
            if "p" in opts.values:
                r[1] = opts.values["p"]
            if "L" in opts.flags and not r[1].startswith("!"):
                r[1] = "!" + r[1]
            if "U" in opts.flags and r[1].startswith("!"):
                if r[1] == "!":
                    proc.err("usermod: unlocking the user's password would result in a "
                             "passwordless account.\nYou should set a password with usermod -p "
                             "to unlock this user's password.\n")
                else:
                    r[1] = r[1][1:]
            return r

        _rewrite(proc, "/etc/shadow", shadow)
    if new[0] != name:
        def rename(r: list[str]) -> list[str]:
            if len(r) >= 4:
                r[3] = ",".join(new[0] if m == name else m for m in r[3].split(",") if m)
            return r

        _rewrite(proc, "/etc/group", rename)
    if new[2] != row[2]:
        # usermod -u also gives the files in the home directory to the new uid.
        home = proc.fs.resolve(new[5])
        if home in proc.fs:
            for path in list(proc.fs.walk(home)):
                node = proc.fs.nodes[path]
                if node.uid == old_uid:
                    proc.fs.put(path, replace(node, uid=int(new[2])))
    return 0


def _move_home(proc: Process, old: str, new: str) -> None:
    real = proc.fs.resolve(old)
    if real not in proc.fs:
        return
    target = proc.fs.resolve(new)
    proc.fs.makedirs(posixpath.dirname(target) or "/")
    for path in sorted(proc.fs.walk(real)):
        proc.fs.put(target + path[len(real):], proc.fs.nodes[path])
    proc.fs.remove(real)


_USERDEL_F = {"r": "r", "remove": "r", "f": "f", "force": "f", "h": "h", "help": "h",
              "Z": "Z", "selinux-user": "Z"}


@program("userdel")
def userdel(proc: Process) -> int:
    opts = parse(proc.argv[1:], {"R": "R", "root": "R", "P": "P", "prefix": "P"}, _USERDEL_F)
    if opts.error or len(opts.operands) != 1 or "h" in opts.flags:
        return _usage(proc, "userdel", opts.error, "LOGIN")
    name = opts.operands[0]
    row = _user_row(proc, name)
    if row is None:
        proc.err(f"userdel: user '{name}' does not exist\n")
        return 6
    if proc.uid != 0:
        proc.err("userdel: Permission denied.\nuserdel: cannot lock /etc/passwd; try again "
                 "later.\n")
        return 1
    _rewrite(proc, "/etc/passwd", lambda r: None if r[0] == name else r)
    _rewrite(proc, "/etc/shadow", lambda r: None if r[0] == name else r)

    def drop_member(r: list[str]) -> list[str]:
        if len(r) >= 4:
            r[3] = ",".join(m for m in r[3].split(",") if m and m != name)
        return r

    _rewrite(proc, "/etc/group", drop_member)
    if proc.fs.get("/etc/gshadow") is not None:
        _rewrite(proc, "/etc/gshadow", drop_member)
    # The user's own group goes too when nobody else uses it (USERGROUPS_ENAB yes).
    group = _group_row(proc, name)
    if group is not None and group[2] == row[3] and not (len(group) > 3 and group[3]) and not any(
            r[3] == group[2] for r in _table(proc, "/etc/passwd") if len(r) >= 4):
        _rewrite(proc, "/etc/group", lambda r: None if r[0] == name else r)
        if proc.fs.get("/etc/gshadow") is not None:
            _rewrite(proc, "/etc/gshadow", lambda r: None if r[0] == name else r)
    if "r" in opts.flags:
        proc.err(f"userdel: {name} mail spool (/var/mail/{name}) not found\n")
        home = proc.fs.resolve(row[5])
        if home in proc.fs and home != "/":
            proc.fs.remove(home)
        else:
            proc.err(f"userdel: {name} home directory ({row[5]}) not found\n")
    return 0


@program("groupmod")
def groupmod(proc: Process) -> int:
    opts = parse(proc.argv[1:], {"g": "g", "gid": "g", "n": "n", "new-name": "n", "p": "p",
                                 "password": "p", "R": "R", "root": "R", "P": "P",
                                 "prefix": "P"},
                 {"o": "o", "non-unique": "o", "h": "h", "help": "h", "a": "a",
                  "append": "a"})
    if opts.error or len(opts.operands) != 1 or "h" in opts.flags:
        return _usage(proc, "groupmod", opts.error, "GROUP")
    name = opts.operands[0]
    row = _group_row(proc, name)
    if row is None:
        proc.err(f"groupmod: group '{name}' does not exist\n")
        return 6
    new = list(row)
    if "g" in opts.values:
        text = opts.values["g"]
        if not text.isdigit():
            proc.err(f"groupmod: invalid group ID '{text}'\n")
            return 3
        if "o" not in opts.flags and text != row[2] and any(
                r[2] == text for r in _table(proc, "/etc/group") if len(r) >= 3):
            proc.err(f"groupmod: GID '{text}' already exists\n")
            return 4
        new[2] = text
    if "n" in opts.values:
        if _group_row(proc, opts.values["n"]) is not None:
            proc.err(f"groupmod: group '{opts.values['n']}' already exists\n")
            return 9
        new[0] = opts.values["n"]
    _rewrite(proc, "/etc/group", lambda r: new if r[0] == name else r)
    if proc.fs.get("/etc/gshadow") is not None and new[0] != name:
        _rewrite(proc, "/etc/gshadow", lambda r: [new[0], *r[1:]] if r[0] == name else r)
    if new[2] != row[2]:
        # Users whose primary group this is follow it to the new id.
        _rewrite(proc, "/etc/passwd",
                 lambda r: [*r[:3], new[2], *r[4:]] if len(r) >= 4 and r[3] == row[2] else r)
    return 0


@program("groupdel")
def groupdel(proc: Process) -> int:
    opts = parse(proc.argv[1:], {"R": "R", "root": "R", "P": "P", "prefix": "P"},
                 {"f": "f", "force": "f", "h": "h", "help": "h"})
    if opts.error or len(opts.operands) != 1 or "h" in opts.flags:
        return _usage(proc, "groupdel", opts.error, "GROUP")
    name = opts.operands[0]
    row = _group_row(proc, name)
    if row is None:
        proc.err(f"groupdel: group '{name}' does not exist\n")
        return 6
    owner = next((r[0] for r in _table(proc, "/etc/passwd") if len(r) >= 4 and r[3] == row[2]),
                 None)
    if owner is not None and "f" not in opts.flags:
        proc.err(f"groupdel: cannot remove the primary group of user '{owner}'\n")
        return 8
    _rewrite(proc, "/etc/group", lambda r: None if r[0] == name else r)
    if proc.fs.get("/etc/gshadow") is not None:
        _rewrite(proc, "/etc/gshadow", lambda r: None if r[0] == name else r)
    return 0
