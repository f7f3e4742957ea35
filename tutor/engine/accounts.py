"""Simulated registry accounts and the sandbox's logins (what `~/.docker/config.json` holds).

Docker Hub accounts come from `assets/registry/accounts.toml`; a `registry:2` started as in
Docker's docs has no authentication, so any credentials log in to it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tutor.engine.errors import EngineError
from tutor.engine.registry import HUB, HUB_ENDPOINT, Registries, Unreachable
from tutor.engine.statefile import read_json, write_json
from tutor.engine.store import Store

INDEX_SERVER = "https://index.docker.io/v1/"
"""The key Docker stores Hub credentials under (and what `docker logout` names)."""


class Unauthorized(EngineError):
    def __init__(self) -> None:
        super().__init__(f'Get "{HUB_ENDPOINT}": unauthorized: incorrect username or password')


def server_key(server: str | None) -> str:
    """Where a login is stored: Hub under its v1 index URL, other registries by host."""
    if server in (None, "", HUB, "index.docker.io", "registry-1.docker.io", INDEX_SERVER):
        return INDEX_SERVER
    assert server is not None
    return server.removeprefix("https://").removeprefix("http://").rstrip("/")


def registry_host(key: str) -> str:
    return HUB if key == INDEX_SERVER else key.split("/", 1)[0]


class Logins:
    """The sandbox's stored credentials, checked against the simulated accounts."""

    def __init__(self, store: Store, assets: Path, registries: Registries) -> None:
        self.store = store
        self.registries = registries
        self._path = store.root / "auth.json"
        try:
            doc = tomllib.loads((assets / "registry" / "accounts.toml").read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise EngineError(f"accounts.toml: {exc}") from None
        self._accounts = {str(k): str(v["password"]) for k, v in doc.get("accounts", {}).items()}

    def _logins(self) -> dict[str, str]:
        value: dict[str, str] = read_json(self._path, {}, self.store.problems)
        return value

    def user(self, host: str) -> str | None:
        """Who the sandbox is logged in to `host` as (None when not logged in)."""
        key = INDEX_SERVER if host == HUB else host
        return self._logins().get(key)

    def login(self, server: str | None, username: str, password: str) -> str:
        """Check the credentials as the registry would and remember them; returns the key."""
        key = server_key(server)
        host = registry_host(key)
        registry = self.registries.at(host)
        if registry is None:
            raise Unreachable(host)
        if host == HUB and self._accounts.get(username) != password:
            raise Unauthorized()
        logins = self._logins()
        logins[key] = username
        write_json(self._path, logins)
        return key

    def logout(self, server: str | None) -> str:
        """Forget the login; returns the name `docker logout` prints."""
        key = server_key(server)
        logins = self._logins()
        if logins.pop(key, None) is not None:
            write_json(self._path, logins)
        return key
