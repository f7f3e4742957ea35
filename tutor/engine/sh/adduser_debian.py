"""Debian's `adduser`/`addgroup`/`deluser`/`delgroup` (adduser 3.134, Debian 12 and Ubuntu 24.04).

Same names as busybox's applets, other syntax: long options (`--system`, `--group`,
`--disabled-password`, `--gecos ""`, `--home`, `--no-create-home`, `--uid`, `--gid`, `--ingroup`,
`--shell`) and Debian policy defaults from /etc/adduser.conf: users get ids from 1000, a group of
their own, /bin/bash and a 0700 home; system users ids 100–999, the group `nogroup` unless
`--group`, home /nonexistent and /usr/sbin/nologin. Messages are printed with adduser's `info:`
/ `fatal:` prefixes.
"""

from __future__ import annotations

from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import tools_of
from tutor.engine.sh.shadow import _group_row, _rewrite, _set_members, _user_row, parse
from tutor.engine.sh.users import (
    _add_group,
    _append,
    _days,
    _free_id,
    _make_home,
    _table,
    lookup_group_id,
)

_VALUE = {"home": "home", "shell": "shell", "uid": "uid", "gid": "gid", "ingroup": "ingroup",
          "gecos": "gecos", "comment": "gecos", "conf": "conf", "firstuid": "firstuid",
          "lastuid": "lastuid", "firstgid": "firstgid", "lastgid": "lastgid",
          "add_extra_groups": "extra", "stdoutmsglevel": "lvl", "stderrmsglevel": "lvl2",
          "logmsglevel": "lvl3", "extrausers": "x", "key": "key"}
_FLAGS = {"system": "system", "group": "group", "disabled-password": "nopass",
          "disabled-login": "nologin", "no-create-home": "nohome", "quiet": "quiet", "q": "quiet",
          "debug": "debug", "force-badname": "badname", "allow-badname": "badname",
          "allow-bad-names": "badname", "allow-all-names": "badname", "add-extra-groups": "extra",
          "encrypt-home": "encrypt", "verbose": "verbose", "help": "help", "h": "help",
          "version": "version"}


def _say(proc: Process, quiet: bool, text: str) -> None:
    if not quiet:
        proc.out(f"info: {text}\n")


def _fatal(proc: Process, text: str, status: int = 1) -> int:
    proc.err(f"fatal: {text}\n")
    return status


def _number(text: str | None) -> int | None | str:
    if text is None:
        return None
    return int(text) if text.isdigit() else text


def debian_adduser(proc: Process) -> int:
    opts = parse(proc.argv[1:], _VALUE, _FLAGS)
    me = proc.argv[0].rsplit("/", 1)[-1]
    if opts.error:
        proc.err(f"{me}: {opts.error}\n")
        return 1
    if "version" in opts.flags:
        proc.out("adduser version 3.134\n")
        return 0
    quiet = "quiet" in opts.flags
    if me == "addgroup" or ("group" in opts.flags and "system" not in opts.flags):
        return _add_group_cmd(proc, opts.values, opts.flags, opts.operands, quiet)
    if proc.uid != 0:
        return _fatal(proc, "Only root may add a user or group to the system.")
    if len(opts.operands) == 2 and "system" not in opts.flags:
        user, group = opts.operands
        if _user_row(proc, user) is None:
            return _fatal(proc, f"The user `{user}' does not exist.")
        if _group_row(proc, group) is None:
            return _fatal(proc, f"The group `{group}' does not exist.")
        _say(proc, quiet, f"Adding user `{user}' to group `{group}' ...")
        _set_members(proc, user, [group], True)
        return 0
    if len(opts.operands) != 1:
        return _fatal(proc, "Only one or two names allowed.")
    name = opts.operands[0]
    system = "system" in opts.flags
    existing = _user_row(proc, name)
    if existing is not None:
        if system and int(existing[2]) < 1000:
            _say(proc, quiet, f"The system user `{name}' already exists. Exiting.")
            return 0
        return _fatal(proc, f"The user `{name}' already exists.")
    uid_value = _number(opts.values.get("uid"))
    if isinstance(uid_value, str):
        return _fatal(proc, f"Invalid numeric argument `{uid_value}' for --uid.")
    if uid_value is not None and any(r[2] == str(uid_value) for r in _table(proc, "/etc/passwd")
                                     if len(r) >= 3):
        return _fatal(proc, f"The UID {uid_value} is already in use.")
    low, high = (100, 999) if system else (1000, 59999)
    if not system and uid_value is None:
        _say(proc, quiet, f"Adding user `{name}' ...")
        _say(proc, quiet, f"Selecting UID/GID from range {low} to {high} ...")
    uid = uid_value if uid_value is not None else _free_id(proc, "/etc/passwd", low, high)
    # The primary group: --ingroup, --gid, a new group of the user's name, or nogroup.
    gid_value = _number(opts.values.get("gid"))
    if isinstance(gid_value, str):
        return _fatal(proc, f"Invalid numeric argument `{gid_value}' for --gid.")
    group_name: str
    if "ingroup" in opts.values:
        found = lookup_group_id(proc, opts.values["ingroup"])
        if found is None:
            return _fatal(proc, f"The group `{opts.values['ingroup']}' does not exist.")
        gid, group_name, new_group = found, opts.values["ingroup"], False
    elif gid_value is not None and "group" not in opts.flags and any(
            r[2] == str(gid_value) for r in _table(proc, "/etc/group") if len(r) >= 3):
        gid = gid_value
        group_name = next(r[0] for r in _table(proc, "/etc/group") if r[2] == str(gid_value))
        new_group = False
    elif system and "group" not in opts.flags:
        gid, group_name, new_group = lookup_group_id(proc, "nogroup") or 65534, "nogroup", False
    else:
        if _group_row(proc, name) is not None:
            return _fatal(proc, f"The group `{name}' already exists.")
        gid = gid_value if gid_value is not None else (
            uid if not any(r[2] == str(uid) for r in _table(proc, "/etc/group") if len(r) >= 3)
            else _free_id(proc, "/etc/group", low, high))
        group_name, new_group = name, True
    home = opts.values.get("home") or ("/nonexistent" if system else f"/home/{name}")
    shell = opts.values.get("shell") or ("/usr/sbin/nologin" if system else "/bin/bash")
    if system:
        _say(proc, quiet, f"Adding system user `{name}' (UID {uid}) ...")
        if new_group:
            _say(proc, quiet, f"Adding new group `{name}' (GID {gid}) ...")
            _add_group(proc, name, gid)
        _say(proc, quiet, f"Adding new user `{name}' (UID {uid}) with group `{group_name}' ...")
    else:
        if uid_value is not None:
            _say(proc, quiet, f"Adding user `{name}' ...")
        if new_group:
            _say(proc, quiet, f"Adding new group `{name}' ({gid}) ...")
            _add_group(proc, name, gid)
        _say(proc, quiet, f"Adding new user `{name}' ({uid}) with group `{group_name} ({gid})'"
             " ...")
    gecos = opts.values.get("gecos")
    _append(proc, "/etc/passwd", f"{name}:x:{uid}:{gid}:{gecos or ''}:{home}:{shell}")
    if proc.fs.get("/etc/shadow") is not None:
        password = "*" if system else "!"
        _append(proc, "/etc/shadow", f"{name}:{password}:{_days(proc)}:0:99999:7:::")
    if "nohome" in opts.flags or home == "/nonexistent":
        if not system or "nohome" in opts.flags:
            _say(proc, quiet, f"Not creating home directory `{home}'.")
    elif proc.fs.get(proc.fs.resolve(home)) is not None:
        _say(proc, quiet, f"The home directory `{home}' already exists.  Not copying from "
             "`/etc/skel'.")
    else:
        _say(proc, quiet, f"Creating home directory `{home}' ...")
        _make_home(proc, home, uid, gid, 0o755 if system else 0o700)
        if not system:
            _say(proc, quiet, "Copying files from `/etc/skel' ...")
    if system:
        return 0
    if "nopass" not in opts.flags and "nologin" not in opts.flags:
        # passwd finds no terminal in a build: the account stays locked; adduser asks again.
        proc.out("New password: Retype new password: ")
        proc.err("passwd: Authentication token manipulation error\npasswd: password unchanged\n")
        proc.out("Try again? [y/N] ")
    if gecos is None:
        proc.out(f"Changing the user information for {name}\n"
                 "Enter the new value, or press ENTER for the default\n"
                 "\tFull Name []: \tRoom Number []: \tWork Phone []: \tHome Phone []: "
                 "\tOther []: \nIs the information correct? [Y/n] ")
        _rewrite(proc, "/etc/passwd",
                 lambda r: [*r[:4], ",,,", *r[5:]] if r[0] == name and len(r) >= 7 else r)
    if _group_row(proc, "users") is not None:
        _say(proc, quiet, f"Adding new user `{name}' to supplemental / extra groups `users' ...")
        _say(proc, quiet, f"Adding user `{name}' to group `users' ...")
        _set_members(proc, name, ["users"], True)
    return 0


def _add_group_cmd(proc: Process, values: dict[str, str], flags: set[str],
                   operands: list[str], quiet: bool) -> int:
    if proc.uid != 0:
        return _fatal(proc, "Only root may add a user or group to the system.")
    system = "system" in flags
    if len(operands) == 2:
        user, group = operands
        if _user_row(proc, user) is None:
            return _fatal(proc, f"The user `{user}' does not exist.")
        if _group_row(proc, group) is None:
            return _fatal(proc, f"The group `{group}' does not exist.")
        _say(proc, quiet, f"Adding user `{user}' to group `{group}' ...")
        _set_members(proc, user, [group], True)
        return 0
    if len(operands) != 1:
        return _fatal(proc, "Only one or two names allowed.")
    name = operands[0]
    row = _group_row(proc, name)
    if row is not None:
        if system and int(row[2]) < 1000:
            _say(proc, quiet, f"The group `{name}' already exists as a system group. Exiting.")
            return 0
        return _fatal(proc, f"The group `{name}' already exists.")
    gid_value = _number(values.get("gid"))
    if isinstance(gid_value, str):
        return _fatal(proc, f"Invalid numeric argument `{gid_value}' for --gid.")
    if gid_value is not None and any(r[2] == str(gid_value) for r in _table(proc, "/etc/group")
                                     if len(r) >= 3):
        return _fatal(proc, f"The GID {gid_value} is already in use.")
    low, high = (100, 999) if system else (1000, 59999)
    if gid_value is None and not system:
        _say(proc, quiet, f"Selecting GID from range {low} to {high} ...")
    gid = gid_value if gid_value is not None else _free_id(proc, "/etc/group", low, high)
    _say(proc, quiet, f"Adding group `{name}' (GID {gid}) ...")
    _add_group(proc, name, gid)
    return 0


def debian_addgroup(proc: Process) -> int:
    return debian_adduser(proc)


@program("deluser", "delgroup")
def deluser(proc: Process) -> int:
    """busybox's deluser/delgroup on Alpine; Debian's (which wrap userdel/groupdel) elsewhere."""
    me = proc.argv[0].rsplit("/", 1)[-1]
    args = [a for a in proc.argv[1:] if not a.startswith("-")]
    remove_home = "--remove-home" in proc.argv[1:]
    busybox = tools_of(proc) == "busybox"
    if not args:
        proc.err(f"BusyBox v1.36.1 multi-call binary.\n\nUsage: {me} USER [GROUP]\n" if busybox
                 else "fatal: Only one or two names allowed.\n")
        return 1
    if len(args) == 2:
        user, group = args
        if _group_row(proc, group) is None:
            proc.err(f"{me}: unknown group {group}\n" if busybox
                     else f"fatal: The group `{group}' does not exist.\n")
            return 1
        members = (_group_row(proc, group) or [""] * 4)
        if len(members) < 4 or user not in members[3].split(","):
            proc.err(f"{me}: can't find {user} in /etc/group\n" if busybox
                     else f"fatal: The user `{user}' is not a member of group `{group}'.\n")
            return 1
        if not busybox:
            proc.out(f"info: Removing user `{user}' from group `{group}' ...\n")
        _rewrite(proc, "/etc/group", lambda r: [*r[:3], ",".join(
            m for m in r[3].split(",") if m and m != user)] if r[0] == group and len(r) >= 4
            else r)
        return 0
    name = args[0]
    if me == "delgroup":
        if _group_row(proc, name) is None:
            proc.err(f"{me}: unknown group {name}\n" if busybox
                     else f"fatal: The group `{name}' does not exist.\n")
            return 1
        row = _group_row(proc, name) or []
        owner = next((r[0] for r in _table(proc, "/etc/passwd")
                      if len(r) >= 4 and len(row) > 2 and r[3] == row[2]), None)
        if owner is not None:
            proc.err(f"{me}: '{name}' still has '{owner}' as their primary group!\n" if busybox
                     else f"fatal: `{owner}' still has `{name}' as their primary group!\n")
            return 1
        if not busybox:
            proc.out(f"info: Removing group `{name}' ...\n")
        _rewrite(proc, "/etc/group", lambda r: None if r[0] == name else r)
        return 0
    user_row = _user_row(proc, name)
    if user_row is None:
        proc.err(f"{me}: unknown user {name}\n" if busybox
                 else f"fatal: The user `{name}' does not exist.\n")
        return 1
    if not busybox:
        proc.out(f"info: Removing crontab ...\ninfo: Removing user `{name}' ...\n")
    _rewrite(proc, "/etc/passwd", lambda r: None if r[0] == name else r)
    _rewrite(proc, "/etc/shadow", lambda r: None if r[0] == name else r)
    _rewrite(proc, "/etc/group", lambda r: [*r[:3], ",".join(
        m for m in r[3].split(",") if m and m != name)] if len(r) >= 4 else r)
    own = _group_row(proc, name)
    if busybox and own is not None and own[2] == user_row[3]:
        _rewrite(proc, "/etc/group", lambda r: None if r[0] == name else r)
    if remove_home:
        home = proc.fs.resolve(user_row[5])
        if home in proc.fs and home != "/":
            proc.fs.remove(home)
    return 0
