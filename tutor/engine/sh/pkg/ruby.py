"""RubyGems and Bundler of the ruby images: `gem install`, `bundle install`, `bundle config`.

Gems resolve by rule (rubygems.org has every plausible name; `~>` is the pessimistic
operator, see `to_range`), or from Gemfile.lock when it pins them. They install under
`$GEM_HOME` (the ruby images set `/usr/local/bundle`): `gems/`, `specifications/`, `cache/` and
an executable named after the gem in `bin/`. The ruby images' gemrc turns documentation off and
they set BUNDLE_SILENCE_ROOT_WARNING, both honoured when present.
"""

from __future__ import annotations

import re

from tutor.engine.fs import Node, Synthetic
from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg import standin
from tutor.engine.sh.pkg.catalogue import LINK_SPEED, put_file, read_text, write_text

BUNDLER_VERSION = "2.6.3"
RUBYGEMS_VERSION = "3.6.3"


def to_range(requirements: list[str]) -> str:
    """Gem requirements (`~> 7.1.0`, `>= 2`, `!= 1.5`) as a node-semver range."""
    parts = []
    for req in requirements:
        match = re.fullmatch(r"\s*(~>|>=|<=|!=|=|>|<)?\s*([\w.]+)\s*", req)
        if match is None:
            continue
        op, version = match[1] or "=", match[2]
        numbers = [int(n) for n in re.findall(r"\d+", version)][:3]
        if op == "~>":
            if len(numbers) >= 3:
                parts.append(f"~{'.'.join(map(str, numbers))}")
            else:
                parts.append(f"^{'.'.join(map(str, numbers))}" if numbers[0] else
                             f">={version} <1.0.0")
        elif op == "!=":
            continue
        else:
            parts.append(f"{op if op != '=' else ''}{version}")
    return " ".join(parts) or "*"


def gem_home(proc: Process) -> str:
    return proc.env.get("GEM_HOME") or f"{proc.env.get('HOME') or '/root'}/.local/share/gem/ruby"


def _no_docs(proc: Process, args: list[str]) -> bool:
    rc = (read_text(proc.fs, "/usr/local/etc/gemrc") or "") + (
        read_text(proc.fs, f"{proc.env.get('HOME') or '/root'}/.gemrc") or "")
    return "--no-document" in args or "-N" in args or "--no-document" in rc


def _install_gem(proc: Process, name: str, version: str) -> bool:
    """Put a gem in GEM_HOME; False when it was already there."""
    home = gem_home(proc)
    if f"{home}/specifications/{name}-{version}.gemspec" in proc.fs:
        return False
    download, size = standin.sizes("rubygems", name, 10_000, 3_000_000)
    put_file(proc.fs, f"{home}/cache/{name}-{version}.gem",
             Node("file", 0o644, content=Synthetic(download, f"gem:{name}-{version}")))
    put_file(proc.fs, f"{home}/gems/{name}-{version}/lib/{name.replace('-', '/')}.rb",
             Node("file", 0o644, content=Synthetic(size, f"{name}-{version}")))
    write_text(proc.fs, f"{home}/specifications/{name}-{version}.gemspec",
               f"# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"{name}\""
               f"\n  s.version = \"{version}\"\n  s.executables = [\"{name}\"]\nend\n")
    write_text(proc.fs, f"{home}/bin/{name}", f"#!/usr/local/bin/ruby\n# This file was generated "
               f"by RubyGems.\nrequire 'rubygems'\nload Gem.bin_path('{name}', '{name}', "
               f"'{version}')\n", mode=0o755)
    proc.spend(0.3 + download / LINK_SPEED + size / 50e6)
    return True


def _version(name: str, requirements: list[str]) -> str | None:
    return standin.pick_semver("rubygems", name, to_range(requirements))


@program("gem")
def gem(proc: Process) -> int:
    args = proc.argv[1:]
    command = args[0] if args else ""
    if command in ("--version", "-v"):
        proc.out(f"{RUBYGEMS_VERSION}\n")
        return 0
    if command != "install":
        proc.err(f"ERROR:  While executing gem ... (Gem::CommandLineError)\n    Unknown command "
                 f"{command}\n" if command else "RubyGems is a package management framework for "
                 "Ruby.\n")
        return 1
    names: list[str] = []
    requirement: list[str] = []
    it = iter(args[1:])
    for arg in it:
        if arg in ("-v", "--version"):
            requirement.append(next(it, ""))
        elif arg.startswith("--version="):
            requirement.append(arg.split("=", 1)[1])
        elif not arg.startswith("-"):
            names.append(arg)
    if not names:
        proc.err("ERROR:  While executing gem ... (Gem::CommandLineError)\n    Please specify at "
                 "least one gem name (e.g. gem build GEMNAME)\n")
        return 1
    installed = 0
    for spec in names:
        name, _, inline = spec.partition(":")
        reqs = requirement or ([inline] if inline else [])
        version = _version(name, reqs)
        if version is None:
            proc.err(f"ERROR:  Could not find a valid gem '{name}' ({', '.join(reqs)}) in any "
                     "repository\n")
            return 2
        if _install_gem(proc, name, version):
            proc.out(f"Fetching {name}-{version}.gem\n")
        proc.out(f"Successfully installed {name}-{version}\n")
        if not _no_docs(proc, args):
            proc.out(f"Parsing documentation for {name}-{version}\nInstalling ri documentation "
                     f"for {name}-{version}\nDone installing documentation for {name} after 0 "
                     "seconds\n")
        installed += 1
    proc.out(f"{installed} gem{'s' if installed != 1 else ''} installed\n")
    return 0


def _gemfile(text: str) -> list[tuple[str, list[str], list[str]]]:
    """(name, requirements, groups) for each `gem` line of a Gemfile."""
    found = []
    groups: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.split("#")[0].strip()
        group = re.match(r"group\s+(.+?)\s+do\b", line)
        if group:
            groups.append(re.findall(r":(\w+)", group[1]))
            continue
        if line == "end" and groups:
            groups.pop()
            continue
        gem_line = re.match(r"gem\s+['\"]([^'\"]+)['\"]\s*(.*)", line)
        if gem_line is None:
            continue
        reqs = re.findall(r"['\"]([~<>=!]*\s*[\d][\w.]*)['\"]", gem_line[2])
        inline = re.search(r"group:\s*\[?([^\]]+)\]?", gem_line[2])
        these = [g for level in groups for g in level] or (
            re.findall(r":(\w+)", inline[1]) if inline else ["default"])
        found.append((gem_line[1], reqs, these))
    return found


def _locked(text: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for match in re.finditer(r"^    ([\w.-]+) \(([\w.]+)\)$", text, re.M):
        pins[match[1]] = match[2]
    return pins


def _config(proc: Process) -> dict[str, str]:
    values: dict[str, str] = {}
    for path in (f"{proc.env.get('HOME') or '/root'}/.bundle/config",
                 f"{proc.cwd}/.bundle/config"):
        for key, value in re.findall(r'^(BUNDLE_\w+):\s*"?([^"\n]*)"?', read_text(
                proc.fs, path) or "", re.M):
            values[key] = value
    return values


@program("bundle", "bundler")
def bundle(proc: Process) -> int:
    args = proc.argv[1:]
    command = args[0] if args else "install"
    if command in ("--version", "-v", "version"):
        proc.out(f"Bundler version {BUNDLER_VERSION}\n")
        return 0
    if command == "config":
        return _bundle_config(proc, args[1:])
    if command != "install":
        proc.err(f'Could not find command "{command}".\n')
        return 15
    text = read_text(proc.fs, f"{proc.cwd}/Gemfile")
    if text is None:
        proc.err("Could not locate Gemfile\n")
        return 10
    config = _config(proc)
    without = set(re.split(r"[\s:]+", proc.env.get("BUNDLE_WITHOUT") or config.get(
        "BUNDLE_WITHOUT", ""))) - {""}
    if proc.uid == 0 and not proc.env.get("BUNDLE_SILENCE_ROOT_WARNING"):
        proc.err("Don't run Bundler as root. Installing your bundle as root will break this "
                 "application for all non-root users on this machine.\n")
    lock_path = f"{proc.cwd}/Gemfile.lock"
    pins = _locked(read_text(proc.fs, lock_path) or "")
    gems = _gemfile(text)
    if not pins:
        proc.out("Fetching gem metadata from https://rubygems.org/" + "." * 11 + "\n")
    proc.out("Resolving dependencies...\n")
    chosen: dict[str, str] = {}
    for name, reqs, groups in gems:
        if without and set(groups) <= without:
            continue
        version = pins.get(name) or _version(name, reqs)
        if version is None:
            proc.err(f"Could not find gem '{name} ({', '.join(reqs)})' in rubygems repository "
                     "https://rubygems.org/ or installed locally.\n")
            return 7
        chosen[name] = version
    proc.out(f"Using bundler {BUNDLER_VERSION}\n")
    for name, version in chosen.items():
        if _install_gem(proc, name, version):
            proc.out(f"Fetching {name} {version}\nInstalling {name} {version}\n")
        else:
            proc.out(f"Using {name} {version}\n")
    if not pins:
        everything = {name: pins.get(name) or _version(name, reqs) or "0" for name, reqs, _ in
                      gems}
        write_text(proc.fs, lock_path, "GEM\n  remote: https://rubygems.org/\n  specs:\n"
                   + "".join(f"    {n} ({v})\n" for n, v in sorted(everything.items()))
                   + "\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n"
                   + "".join(f"  {n}{' (' + ', '.join(r) + ')' if r else ''}\n"
                             for n, r, _ in sorted(gems))
                   + f"\nBUNDLED WITH\n   {BUNDLER_VERSION}\n")
    total = len(chosen) + 1
    proc.out(f"Bundle complete! {len(gems)} Gemfile dependenc{'y' if len(gems) == 1 else 'ies'}"
             f", {total} gems now installed.\n")
    if without:
        listed = sorted(without)
        names = " and ".join(f"'{g}'" for g in listed)
        word = "group" if len(listed) == 1 else "groups"
        proc.out(f"Gems in the {word} {names} were not installed.\n")
    proc.out("Use `bundle info [gemname]` to see where a bundled gem is installed.\n")
    return 0


def _bundle_config(proc: Process, args: list[str]) -> int:
    words = [a for a in args if not a.startswith("--")]
    local = "--local" in args
    if words[:1] == ["set"] and len(words) >= 3:
        key = "BUNDLE_" + words[1].upper().replace(".", "__")
        value = " ".join(words[2:]).strip("'\"")
        path = (f"{proc.cwd}/.bundle/config" if local else
                f"{proc.env.get('HOME') or '/root'}/.bundle/config")
        existing = read_text(proc.fs, path) or "---\n"
        lines = [line for line in existing.splitlines() if not line.startswith(key + ":")]
        if value and key == "BUNDLE_WITHOUT":
            value = ":".join(value.replace(":", " ").split())
        write_text(proc.fs, path, "\n".join([*lines, f'{key}: "{value}"']) + "\n")
        return 0
    proc.err("Invalid bundle config subcommand\n")
    return 15
