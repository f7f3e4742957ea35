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
from urllib.parse import urlsplit

from tutor.engine.sh.pkg.catalogue import Catalogue


@dataclass
class SimulatedWorld:
    assets: Path
    _urls: dict[str, bytes] = field(default_factory=dict)

    @cached_property
    def packages(self) -> Catalogue:
        return Catalogue(self.assets / "packages")

    @cached_property
    def _doc(self) -> dict[str, object]:
        index = self.assets / "web" / "urls.toml"
        try:
            return tomllib.loads(index.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return {}

    @property
    def _table(self) -> dict[str, str]:
        urls = self._doc.get("urls", {})
        return {str(k): str(v) for k, v in urls.items()} if isinstance(urls, dict) else {}

    @property
    def last_modified(self) -> str:
        """The `Last-Modified` every simulated server sends (ADD gives files this mtime)."""
        return str(self._doc.get("last_modified", "2025-01-01T00:00:00Z"))

    def host_exists(self, url: str) -> bool:
        """Whether a simulated server answers at that URL's host (else: no such host)."""
        host = urlsplit(url).hostname
        return any(urlsplit(known).hostname == host for known in self._table)

    def fetch_url(self, url: str) -> bytes | None:
        """The body served at `url`, or None when nothing is served there."""
        if url in self._urls:
            return self._urls[url]
        target = self._table.get(url) or self._table.get(url.rstrip("/"))
        if target is None:
            return None
        body = (self.assets / "web" / target).read_bytes()
        self._urls[url] = body
        return body
