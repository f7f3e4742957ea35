"""apt's record of automatically installed packages, `/var/lib/apt/extended_states`.

apt writes one stanza per package it installed only as a dependency (`Auto-Installed: 1`);
`apt-get autoremove` and `--auto-remove` remove those nothing manually installed still needs.
"""

from __future__ import annotations

from tutor.engine.fs import FileTree
from tutor.engine.sh.pkg.catalogue import read_text, write_text

EXTENDED_STATES = "/var/lib/apt/extended_states"


def auto_installed(fs: FileTree) -> dict[str, str]:
    """Auto-installed package names → their architecture."""
    found: dict[str, str] = {}
    for stanza in (read_text(fs, EXTENDED_STATES) or "").split("\n\n"):
        fields = dict(
            (k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in stanza.splitlines())
        )
        if fields.get("Package") and fields.get("Auto-Installed") == "1":
            found[fields["Package"]] = fields.get("Architecture", "")
    return found


def save(fs: FileTree, auto: dict[str, str]) -> None:
    text = "".join(
        f"Package: {name}\nArchitecture: {arch}\nAuto-Installed: 1\n\n"
        for name, arch in sorted(auto.items())
    )
    write_text(fs, EXTENDED_STATES, text)
