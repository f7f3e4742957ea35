"""Which packages one `apt-get install` brings, in dpkg's unpack order.

apt's resolver, simplified to what a learner can observe: Pre-Depends and Depends always,
Recommends unless turned off, the first installable alternative of `a | b`, a virtual name through
the packages that provide it, and an installed package upgraded only when a dependency's version
requires it (never on a derived Ubuntu release, whose constraints name Debian's versions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.engine.sh.pkg.debindex import DebIndex, DebPackage, Relation, parse_relations
from tutor.engine.sh.pkg.debversion import compare, satisfies


def installed_version(block: str) -> str:
    return next((ln[9:] for ln in block.splitlines() if ln.startswith("Version: ")), "")


@dataclass
class Plan:
    """What one `apt-get install` does: new packages in unpack order, upgrades, and what apt
    lists around them (notes, suggested and skipped recommended packages)."""

    order: list[DebPackage] = field(default_factory=list)
    upgrades: dict[str, str] = field(default_factory=dict)  # name -> installed version
    notes: list[str] = field(default_factory=list)
    suggested: list[str] = field(default_factory=list)
    recommended: list[str] = field(default_factory=list)


class Unresolvable(Exception):
    """A name apt cannot turn into a package; carries apt's message."""


class Resolver:
    """apt's choice of packages for an install, simplified to what a learner can observe:
    Pre-Depends and Depends always, Recommends unless turned off, the first installable
    alternative of `a | b`, a virtual name through the packages that provide it, and an
    installed package upgraded only when a dependency's version requires it."""

    def __init__(self, index: DebIndex, status: dict[str, str], recommends: bool) -> None:
        self.index = index
        self.status = status
        self.recommends = recommends
        self.plan = Plan()
        self.chosen: set[str] = set()
        self.provided: set[str] = set()
        for name in status:
            pkg = index.get(name)
            if pkg is not None:
                self.provided.update(pkg.provided_names())

    def target(self, spec: str) -> str:
        """The real package an argument (`name`, `name=version`, a virtual name) installs."""
        name, _, version = spec.partition("=")
        name = name.split(":")[0]  # `pkg:amd64` names the native architecture's package
        pkg = self.index.get(name)
        if pkg is None:
            providers = self.index.providers(name)
            if not providers:
                raise Unresolvable(f"E: Unable to locate package {name}\n")
            if len(providers) > 1:
                raise Unresolvable(
                    f"Package {name} is a virtual package provided by:\n"
                    + "".join(self._provider_line(p, name) for p in providers)
                    + "You should explicitly select one to install.\n\n"
                    f"E: Package '{name}' has no installation candidate\n"
                )
            self.plan.notes.append(f"Note, selecting '{providers[0]}' instead of '{name}'\n")
            return providers[0]
        if version and version != pkg.version and installed_version(
            self.status.get(name, "")
        ) != version:
            raise Unresolvable(f"E: Version '{version}' for '{name}' was not found\n")
        return name

    def _provider_line(self, provider: str, virtual: str) -> str:
        """`  NAME VERSION[ (= PROVIDED)][ [Installed]]`, as apt lists a virtual's providers."""
        pkg = self.index.get(provider)
        if pkg is None:
            return ""
        line = f"  {provider} {pkg.version}"
        for group in parse_relations(pkg.provides):
            if group[0].name == virtual and group[0].version:
                line += f" (= {group[0].version})"
        if provider in self.status:
            line += " [Installed]"
        return line + "\n"

    def satisfied(self, group: list[Relation]) -> bool:
        for alt in group:
            if alt.name in self.status:
                have = installed_version(self.status[alt.name])
                if self.index.ubuntu or not have or satisfies(have, alt.op, alt.version):
                    return True
                candidate = self.index.get(alt.name)
                if candidate is None or not satisfies(candidate.version, alt.op, alt.version):
                    return True  # nothing newer would help; apt keeps what is there
                if alt.name not in self.plan.upgrades:
                    self.plan.upgrades[alt.name] = have
                    self.install(alt.name, upgrade=True)
                return True
            if alt.name in self.chosen or alt.name in self.provided:
                return True
        return False

    def pick(self, group: list[Relation]) -> str | None:
        for alt in group:
            if alt.name in self.index.lines or self.index.get(alt.name) is not None:
                return alt.name
        for alt in group:
            providers = self.index.providers(alt.name)
            if providers:
                return providers[0]
        return None

    def install(self, name: str, upgrade: bool = False) -> None:
        if name in self.chosen or (name in self.status and not upgrade):
            return
        pkg = self.index.get(name)
        if pkg is None:
            return
        self.chosen.add(name)
        for group in parse_relations(pkg.pre_depends) + parse_relations(pkg.depends):
            if not self.satisfied(group):
                picked = self.pick(group)
                if picked is not None:
                    self.install(picked)
        self.plan.order.append(pkg)
        self.provided.update(pkg.provided_names())
        for group in parse_relations(pkg.recommends):
            if self.satisfied(group):
                continue
            if self.recommends:
                picked = self.pick(group)
                if picked is not None:
                    self.install(picked)
            else:
                self.plan.recommended.append(" | ".join(a.name for a in group))
        for group in parse_relations(pkg.suggests):
            if not self.satisfied(group):
                self.plan.suggested.append(" | ".join(a.name for a in group))


def not_upgraded(index: DebIndex, status: dict[str, str], plan: Plan) -> int:
    """Installed packages the lists offer a newer version of (apt's `N not upgraded`)."""
    if index.ubuntu:
        return 0  # a derived release only knows the versions its images ship
    count = 0
    for name, block in status.items():
        have = installed_version(block)
        pkg = index.get(name)
        if pkg and have and name not in plan.upgrades and compare(pkg.version, have) > 0:
            count += 1
    return count


