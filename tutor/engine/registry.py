"""Simulated registries: repositories of tags → manifest digests, manifests kept as exact bytes,
config and layer blobs by digest.

Format. Layers are served as gzip blobs (`deflate`: deterministic, so a blob digest is the same
on every machine and differs from the diffID, as on Docker Hub). Catalogue images are OCI manifests
with `application/vnd.oci.image.layer.v1.tar+gzip` layers, multi-platform ones OCI indexes (no
attestation manifests); pushes keep what the pushing store sends (`distribution.push`): Docker
schema2 from the classic store, the image's own OCI index, manifests and attestations from the
containerd store.

Storage. Each registry keeps `registries/<folder>/repositories.json` in the state directory;
manifests and configs go to the store's content area, layers are the store's layer recipes (never
copied). `docker.io` serves the base-image catalogue read-only under `library/` (and
`mcr.microsoft.com`, `gcr.io` serve the catalogue images named with those hosts), the user
repositories seeded from `assets/registry/hub.toml`, and whatever learners push. A
`localhost:PORT` registry exists only while a running `registry:2` container publishes its port
5000 on host port PORT: `Registries` asks the container store (`serving`) each time, and keeps
the data under the key it gets (the volume at /var/lib/registry), so `docker stop`/`start` keeps
pushed images and a new container starts empty.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from tutor.engine.catalogue import DEFAULT_PLATFORM, BaseImageSpec, Catalogue, LayerSpec, Platform
from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, Node, directory
from tutor.engine.image import (
    JSON,
    MEDIA_INDEX,
    MEDIA_MANIFEST,
    HistoryEntry,
    ImageConfig,
    descriptor,
    digest,
    go_json,
    manifest_bytes,
    run_config_from_json,
)
from tutor.engine.layers import Change, Changes, Layer, layer
from tutor.engine.reference import Reference
from tutor.engine.statefile import read_json, write_json
from tutor.engine.store import Store

HUB = "docker.io"
HUB_ENDPOINT = "https://registry-1.docker.io/v2/"
CATALOGUE_HOSTS = ("mcr.microsoft.com", "gcr.io")
"""Read-only registries serving the catalogue's images of other vendors."""
BUILDKIT_COMMENT = "buildkit.dockerfile.v0"
WHITEOUT = Node("file", 0o600)
_LOOPBACK = ("localhost", "127.0.0.1")


class PullAccessDenied(EngineError):
    def __init__(self, ref: Reference) -> None:
        super().__init__(
            f"pull access denied for {ref.familiar_name}, repository does not exist or may "
            "require 'docker login': denied: requested access to the resource is denied"
        )


class ManifestUnknown(EngineError):
    def __init__(self, ref: Reference) -> None:
        super().__init__(
            f"manifest for {ref.familiar} not found: manifest unknown: manifest unknown"
        )


class NoMatchingManifest(EngineError):
    def __init__(self, platform: str) -> None:
        super().__init__(f"no matching manifest for {platform} in the manifest list entries")


class AccessDenied(EngineError):
    """What the registry answers a push into a namespace the account does not own."""

    def __init__(self) -> None:
        super().__init__("denied: requested access to the resource is denied")


class Unreachable(EngineError):
    """No registry answers at `host`: nothing listens on a loopback port, or no such host."""

    def __init__(self, host: str) -> None:
        name, _, port = host.rpartition(":")
        if name in _LOOPBACK and port.isdigit():
            text = (f'Get "http://{host}/v2/": dial tcp 127.0.0.1:{port}: '
                    "connect: connection refused")
        else:
            bare = name if port.isdigit() else host
            text = f'Get "https://{host}/v2/": dial tcp: lookup {bare}: no such host'
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest or an index exactly as the registry stores it."""

    data: bytes

    @property
    def digest(self) -> str:
        return digest(self.data)

    @property
    def doc(self) -> dict[str, Any]:
        value = json.loads(self.data)
        assert isinstance(value, dict)
        return value

    @property
    def is_index(self) -> bool:
        return self.doc.get("mediaType") == MEDIA_INDEX or "manifests" in self.doc


def platform_json(platform: Platform) -> dict[str, JSON]:
    """An OCI platform object (Go field order: architecture, os, variant)."""
    out: dict[str, JSON] = {"architecture": platform.architecture, "os": platform.os}
    if platform.variant:
        out["variant"] = platform.variant
    return out


def index_bytes(entries: list[tuple[bytes, Platform]]) -> bytes:
    """The OCI index naming one manifest per platform."""
    manifests: list[JSON] = []
    for data, platform in entries:
        entry = descriptor(Manifest(data).doc["mediaType"], digest(data), len(data))
        entry["platform"] = platform_json(platform)
        manifests.append(entry)
    return go_json({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": manifests})


class Registry:
    """One registry's repositories, as a `registry:2` container would store them."""

    def __init__(self, host: str, store: Store, folder: str) -> None:
        self.host = host
        self.store = store
        self._path = store.root / "registries" / folder / "repositories.json"
        self._repos: dict[str, dict[str, Any]] = read_json(self._path, {}, store.problems)

    def _save(self) -> None:
        write_json(self._path, self._repos)

    def _repo(self, path: str) -> dict[str, Any]:
        return self._repos.setdefault(path, {"tags": {}, "manifests": [], "blobs": []})

    # -- what clients see ---------------------------------------------------------------------

    def exists(self, path: str) -> bool:
        return path in self._repos

    def repositories(self) -> list[str]:
        return sorted(self._repos)

    def tags(self, path: str) -> list[str]:
        return sorted(self._repos.get(path, {}).get("tags", {}))

    def manifest(self, path: str, reference: str) -> Manifest | None:
        """The manifest `reference` (a tag or a digest) names in repository `path`."""
        repo = self._repos.get(path)
        if repo is None:
            return None
        dgst = reference if reference.startswith("sha256:") else repo["tags"].get(reference)
        if dgst is None or dgst not in repo["manifests"]:
            return None
        return Manifest(self.store.get_content(dgst.removeprefix("sha256:")))

    def has_blob(self, path: str, dgst: str) -> bool:
        return dgst in self._repos.get(path, {}).get("blobs", ())

    def config(self, dgst: str) -> bytes:
        return self.store.get_content(dgst.removeprefix("sha256:"))

    def layer(self, diff_id: str) -> Layer:
        return self.store.get_layer(diff_id)

    def can_push(self, path: str, user: str | None) -> bool:
        """`registry:2` as Docker's docs start it has no authentication: anyone may push."""
        return True

    # -- what pushes change -------------------------------------------------------------------

    def put_blob(self, path: str, dgst: str) -> None:
        """Record a blob uploaded (or mounted) into `path`; its bytes are already in the store."""
        blobs = self._repo(path)["blobs"]
        if dgst not in blobs:
            blobs.append(dgst)
            self._save()

    def put_manifest(self, path: str, tag: str | None, data: bytes) -> str:
        """Store a manifest or index by digest, and point `tag` at it (None: a child of an
        index, reachable by digest only)."""
        dgst = "sha256:" + self.store.put_content(data)
        repo = self._repo(path)
        if dgst not in repo["manifests"]:
            repo["manifests"].append(dgst)
        if tag is not None:
            repo["tags"][tag] = dgst
        self._save()
        return dgst


@dataclass(frozen=True, slots=True)
class HubRepository:
    """What `docker search` shows about a Docker Hub repository."""

    name: str
    description: str
    stars: int
    official: bool


class CatalogueRegistry(Registry):
    """A registry whose repositories are catalogue images: read-only, built on request.

    Docker Hub serves the catalogue under `library/` (and the library's other namespaces);
    `mcr.microsoft.com` and `gcr.io` serve the catalogue images named with their host."""

    def __init__(self, host: str, store: Store, catalogue: Catalogue) -> None:
        super().__init__(host, store, host)
        self.catalogue = catalogue
        self._index_path = store.root / "catalogue-layers.json"
        self._digests_path = store.root / "registries" / host / "catalogue.json"

    @cached_property
    def library(self) -> set[str]:
        prefix = self.host + "/"
        return {r[len(prefix):] for r in self.catalogue.repositories if r.startswith(prefix)}

    @cached_property
    def _known(self) -> dict[str, Any]:
        """Catalogue digests met so far: digest → [path, tag, platform or ""], and the layer
        blobs of each library repository (for cross-repository mounts)."""
        found: dict[str, Any] = read_json(self._digests_path, {}, self.store.problems)
        found.setdefault("manifests", {})
        found.setdefault("blobs", {})
        return found

    def exists(self, path: str) -> bool:
        return path in self.library

    def repositories(self) -> list[str]:
        return sorted(self.library)

    def tags(self, path: str) -> list[str]:
        return list(self.catalogue.tags(f"{self.host}/{path}")) if path in self.library else []

    def manifest(self, path: str, reference: str) -> Manifest | None:
        if path not in self.library:
            return None
        if not reference.startswith("sha256:"):
            return self._catalogue_manifest(path, reference, None)
        for attempt in range(2):
            known = self._known["manifests"].get(reference)
            if known is not None and known[0] == path:
                found = self._catalogue_manifest(path, known[1], known[2] or None)
                if found is not None and found.digest == reference:
                    return found
            if attempt == 0:
                for tag in self.catalogue.tags(f"{self.host}/{path}"):
                    self._catalogue_manifest(path, tag, None)
        return None

    def has_blob(self, path: str, dgst: str) -> bool:
        return dgst in self._known["blobs"].get(path, ())

    def can_push(self, path: str, user: str | None) -> bool:
        return False

    # -- the catalogue as registry content ----------------------------------------------------

    def _catalogue_manifest(self, path: str, tag: str, platform: str | None) -> Manifest | None:
        """The index of `path:tag` (every platform), or one platform's manifest."""
        repo = f"{self.host}/{path}"
        platforms = self.catalogue.platforms(repo, tag)
        if not platforms:
            return None
        entries: list[tuple[bytes, Platform]] = []
        for candidate in platforms:
            if platform is not None and str(candidate) != platform:
                continue
            spec = self.catalogue.resolve(repo, tag, str(candidate))
            if spec is None:
                continue
            data = self._image_manifest(path, spec)
            self._known["manifests"][digest(data)] = [path, tag, str(candidate)]
            entries.append((data, candidate))
        if platform is not None:
            self._save_known()
            return Manifest(entries[0][0]) if entries else None
        data = index_bytes(entries)
        self._known["manifests"][digest(data)] = [path, tag, ""]
        self._save_known()
        return Manifest(data)

    def _save_known(self) -> None:
        write_json(self._digests_path, self._known)

    def _image_manifest(self, path: str, spec: BaseImageSpec) -> bytes:
        index: dict[str, str] = read_json(self._index_path, {}, self.store.problems)
        layers = tuple(self._layer_for(la, index) for la in spec.layers)
        write_json(self._index_path, index)
        blobs = self._known["blobs"].setdefault(path, [])
        blobs += [la.gzip_digest for la in layers if la.gzip_digest not in blobs]
        config = ImageConfig(
            diff_ids=tuple(la.diff_id for la in layers),
            history=tuple(HistoryEntry(h.created, h.created_by, h.comment, h.empty_layer)
                          for h in spec.history),
            config=run_config_from_json(spec.config),
            architecture=spec.architecture, os=spec.os, variant=spec.variant,
            created=spec.created,
        ).to_bytes()
        self.store.put_content(config)
        return manifest_bytes(config, layers)

    def _layer_for(self, spec: LayerSpec, index: dict[str, str]) -> Layer:
        """The real layer a catalogue recipe stands for, built (tar hashed) once per recipe."""
        known = index.get(spec.key)
        if known and self.store.has_layer(known):
            return self.store.get_layer(known)
        items = [Change("A", p, node) for p, node in spec.entries]
        items += [Change("D", p, WHITEOUT) for p in spec.deletions]
        built = layer(Changes(tuple(sorted(items, key=lambda c: c.path))))
        self.store.put_layer(built)
        index[spec.key] = built.diff_id
        return built


class Hub(CatalogueRegistry):
    """Docker Hub: the catalogue under `library/`, seeded user repositories, and pushes."""

    def __init__(self, store: Store, catalogue: Catalogue, assets: Path) -> None:
        super().__init__(HUB, store, catalogue)
        self._seeds: dict[str, Any] = _load_toml(assets / "registry" / "hub.toml").get(
            "repositories", {})

    def exists(self, path: str) -> bool:
        return path in self.library or path in self._seeds or Registry.exists(self, path)

    def repositories(self) -> list[str]:
        return sorted(self.library | set(self._seeds) | set(Registry.repositories(self)))

    def tags(self, path: str) -> list[str]:
        if path in self.library:
            return super().tags(path)
        self._seed(path)
        return Registry.tags(self, path)

    def manifest(self, path: str, reference: str) -> Manifest | None:
        if path not in self.library:
            self._seed(path)
            return Registry.manifest(self, path, reference)
        return super().manifest(path, reference)

    def has_blob(self, path: str, dgst: str) -> bool:
        if path in self.library:
            return super().has_blob(path, dgst)
        self._seed(path)
        return Registry.has_blob(self, path, dgst)

    def can_push(self, path: str, user: str | None) -> bool:
        return user is not None and path.split("/", 1)[0] == user

    def search_info(self) -> list[HubRepository]:
        found = [HubRepository(i.name, i.description, i.stars, i.official)
                 for name, i in self.catalogue.repositories.items()
                 if name.startswith(HUB + "/")]
        for name, seed in self._seeds.items():
            found.append(HubRepository(name, str(seed.get("description", "")),
                                       int(seed.get("stars", 0)), False))
        seeded = {r.name for r in found}
        found += [HubRepository(p, "", 0, False) for p in Registry.repositories(self)
                  if p not in seeded]
        return found

    # -- seeded user repositories -------------------------------------------------------------

    def _seed(self, path: str) -> None:
        """Put a seeded repository's images in place the first time anyone asks for it."""
        seed = self._seeds.get(path)
        if seed is None or super().exists(path):
            return
        for name, image in seed.get("images", {}).items():
            base_ref = str(image["from"])
            repo, _, base_tag = base_ref.partition(":")
            base = self.catalogue.resolve(f"{HUB}/library/{repo}", base_tag or "latest",
                                          DEFAULT_PLATFORM)
            if base is None:
                raise EngineError(f"hub.toml: {path}:{name} is FROM an unknown {base_ref}")
            index: dict[str, str] = read_json(self._index_path, {}, self.store.problems)
            layers = [self._layer_for(la, index) for la in base.layers]
            write_json(self._index_path, index)
            layers.append(_files_layer(image))
            self.store.put_layer(layers[-1])
            config = _seed_config(base, image, layers)
            self.store.put_content(config)
            for la in layers:
                self.put_blob(path, la.gzip_digest)
            self.put_blob(path, digest(config))
            for tag in image.get("tags", [name]):
                self.put_manifest(path, str(tag), manifest_bytes(config, tuple(layers)))


def _files_layer(image: dict[str, Any]) -> Layer:
    mtime = int(_rfc3339_seconds(str(image["created"])))
    nodes: dict[str, Node] = {}
    modes = image.get("modes", {})
    for path, text in image.get("files", {}).items():
        parent = path.rsplit("/", 1)[0]
        while parent and parent not in nodes:
            nodes[parent] = directory(mtime=mtime)
            parent = parent.rsplit("/", 1)[0]
        mode = int(str(modes.get(path, "644")), 8)
        nodes[path] = Node("file", mode, mtime=mtime, content=Data(str(text).encode()))
    changes = tuple(Change("A", p, nodes[p]) for p in sorted(nodes))
    return layer(Changes(changes))


def _seed_config(base: BaseImageSpec, image: dict[str, Any], layers: list[Layer]) -> bytes:
    created = str(image["created"])
    history = [HistoryEntry(h.created, h.created_by, h.comment, h.empty_layer)
               for h in base.history]
    history += [HistoryEntry(created, str(h["by"]), BUILDKIT_COMMENT, not h.get("layer", False))
                for h in image.get("history", ())]
    return ImageConfig(
        diff_ids=tuple(la.diff_id for la in layers),
        history=tuple(history),
        config=run_config_from_json({**base.config, **image.get("config", {})}),
        architecture=base.architecture, os=base.os, variant=base.variant, created=created,
    ).to_bytes()


def _rfc3339_seconds(stamp: str) -> float:
    from tutor.engine.clock import parse_rfc3339

    return parse_rfc3339(stamp)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EngineError(f"{path.name}: {exc}") from None


class Registries:
    """Every registry a sandbox can reach: Docker Hub, and the `localhost:PORT` registries that
    running `registry:2` containers publish."""

    def __init__(self, store: Store, catalogue: Catalogue, assets: Path,
                 serving: Callable[[int], str | None] = lambda port: None) -> None:
        self.store = store
        self.catalogue = catalogue
        self.assets = assets
        self.serving = serving
        """Host port → storage key of the registry answering there, or None."""

    @cached_property
    def hub(self) -> Hub:
        return Hub(self.store, self.catalogue, self.assets)

    @cached_property
    def _read_only(self) -> dict[str, CatalogueRegistry]:
        return {host: CatalogueRegistry(host, self.store, self.catalogue)
                for host in CATALOGUE_HOSTS}

    def at(self, host: str) -> Registry | None:
        """The registry answering at `host` (`docker.io`, `localhost:5000`, `gcr.io`…), or
        None."""
        if host == HUB:
            return self.hub
        if host in CATALOGUE_HOSTS:
            return self._read_only[host]
        name, _, port = host.rpartition(":")
        if name not in _LOOPBACK or not port.isdigit():
            return None
        key = self.serving(int(port))
        return None if key is None else local_registry(host, self.store, key)


def local_registry(host: str, store: Store, key: str) -> Registry:
    """The `registry:2` data kept under `key`, answering as `host`."""
    return Registry(host, store, f"local/{key}")


def forget_local(store: Store, key: str) -> None:
    """Drop a local registry's data (its volume was removed)."""
    shutil.rmtree(store.root / "registries" / "local" / key, ignore_errors=True)


# -- the distribution API as `curl` sees it -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"


_NAME = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*"
_ROUTE = re.compile(rf"/v2/({_NAME})/(tags/list|manifests/([^/]+)|blobs/([^/]+))")
_MANIFEST_TYPES = (MEDIA_MANIFEST, MEDIA_INDEX)


def _error(status: int, code: str, message: str, detail: JSON = None) -> HttpAnswer:
    err: dict[str, JSON] = {"code": code, "message": message}
    if detail is not None:
        err["detail"] = detail
    return HttpAnswer(status, json.dumps({"errors": [err]}, separators=(",", ":")).encode()
                      + b"\n")


def http_get(registry: Registry, path: str, accept: tuple[str, ...] = ()) -> HttpAnswer:
    """What distribution 2.8 answers `GET path` (query ignored) with `Accept: accept`.

    Manifests are OCI manifests and indexes, which this registry serves only to clients that
    accept them: `curl` without `-H Accept:…` gets MANIFEST_UNKNOWN, as it really does."""
    clean = path.split("?", 1)[0]
    if clean in ("/v2", "/v2/"):
        return HttpAnswer(200, b"{}")
    if clean == "/v2/_catalog":
        repos: JSON = list(registry.repositories())
        return HttpAnswer(200, json.dumps({"repositories": repos},
                                          separators=(",", ":")).encode() + b"\n")
    route = _ROUTE.fullmatch(clean)
    if route is None:
        return HttpAnswer(404, b"404 page not found\n", "text/plain; charset=utf-8")
    name, what, reference, blob = route.groups()
    if what == "tags/list":
        if not registry.exists(name):
            return _error(404, "NAME_UNKNOWN", "repository name not known to registry",
                          {"name": name})
        tags: JSON = list(registry.tags(name))
        return HttpAnswer(200, json.dumps({"name": name, "tags": tags},
                                          separators=(",", ":")).encode() + b"\n")
    if blob is not None:
        return _blob(registry, name, blob)
    found = registry.manifest(name, reference)
    if found is None:
        detail: JSON = {"Name": name, "Revision": reference} if reference.startswith(
            "sha256:") else {"Tag": reference}
        return _error(404, "MANIFEST_UNKNOWN", "manifest unknown", detail)
    media = str(found.doc.get("mediaType", MEDIA_MANIFEST))
    if media in _MANIFEST_TYPES and media not in accept:
        kind = "index" if media == MEDIA_INDEX else "manifest"
        return _error(404, "MANIFEST_UNKNOWN",
                      f"OCI {kind} found, but accept header does not support OCI {kind}s")
    return HttpAnswer(200, found.data, media)


def _blob(registry: Registry, name: str, dgst: str) -> HttpAnswer:
    if not registry.has_blob(name, dgst):
        return _error(404, "BLOB_UNKNOWN", "blob unknown to registry", dgst)
    diff_id = registry.store.layer_for_blob(dgst)
    if diff_id is not None:
        data = b"".join(registry.layer(diff_id).gzip_chunks())
        return HttpAnswer(200, data, "application/octet-stream")
    return HttpAnswer(200, registry.config(dgst), "application/octet-stream")
