"""The outside world a simulated container can reach: package mirrors and a few web addresses.

Nothing here touches the real network. The package repositories are the catalogue under
`assets/packages/`; web pages and downloads (for `curl`, `wget` and `ADD <url>`) are files under
`assets/web/`, listed in its `urls.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tutor.engine.sh.pkg.catalogue import Catalogue


@dataclass
class SimulatedWorld:
    assets: Path
    _urls: dict[str, bytes] = field(default_factory=dict)

    @cached_property
    def packages(self) -> Catalogue:
        return Catalogue(self.assets / "packages")

    @cached_property
    def _table(self) -> dict[str, str]:
        index = self.assets / "web" / "urls.toml"
        try:
            doc = tomllib.loads(index.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return {}
        return {str(k): str(v) for k, v in doc.get("urls", {}).items()}

    def fetch_url(self, url: str) -> bytes | None:
        """The body served at `url`, or None when no simulated host answers it."""
        if url in self._urls:
            return self._urls[url]
        target = self._table.get(url) or self._table.get(url.rstrip("/"))
        if target is None:
            return None
        body = (self.assets / "web" / target).read_bytes()
        self._urls[url] = body
        return body
