"""Image references (`alpine`, `myuser/app:1.0`, `localhost:5000/app@sha256:…`) parsed by Docker's
grammar (distribution/reference), with its defaults and its error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.engine.errors import EngineError

DEFAULT_DOMAIN = "docker.io"
LEGACY_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_ALNUM = r"[a-z0-9]+"
_SEP = r"(?:[._]|__|[-]+)"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[(?:[a-fA-F0-9:]+)\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEP}{_ALNUM})*"
_REMOTE = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_NAME = rf"(?:{_DOMAIN}/)?{_REMOTE}"

_REFERENCE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$", re.ASCII)
_ANCHORED_NAME = re.compile(rf"^(?:({_DOMAIN})/)?({_REMOTE})$", re.ASCII)
_IDENTIFIER = re.compile(r"^[a-f0-9]{64}$")


class InvalidReference(EngineError):
    """A reference Docker refuses; the message is distribution/reference's."""


@dataclass(frozen=True, slots=True)
class Reference:
    """A normalized reference: `domain/path[:tag][@digest]`."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The full repository name, `docker.io/library/alpine`."""
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """The repository as the CLI shows it: `alpine`, `user/app`, `localhost:5000/app`."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        return self.path.removeprefix(OFFICIAL_PREFIX) if self.path.count("/") == 1 else self.path

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def familiar(self) -> str:
        """`alpine:3.21`, `user/app@sha256:…` — the whole reference in familiar form."""
        text = self.familiar_name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    def with_tag(self, tag: str | None) -> Reference:
        return Reference(self.domain, self.path, tag, self.digest)


def _split_domain(name: str) -> tuple[str, str]:
    first, slash, rest = name.partition("/")
    if not slash:
        return DEFAULT_DOMAIN, OFFICIAL_PREFIX + name
    if first == LEGACY_DOMAIN:
        domain, remote = DEFAULT_DOMAIN, rest
    elif first == "localhost" or any(c in first for c in ".:") or first.lower() != first:
        domain, remote = first, rest
    else:
        domain, remote = DEFAULT_DOMAIN, name
    if domain == DEFAULT_DOMAIN and "/" not in remote:
        remote = OFFICIAL_PREFIX + remote
    return domain, remote


def parse_reference(text: str) -> Reference:
    """Parse a reference as `docker pull`/`tag`/`FROM` do (ParseNormalizedNamed), without
    defaulting the tag (see `with_default_tag`)."""
    if _IDENTIFIER.match(text):
        raise InvalidReference(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
        )
    domain, remainder = _split_domain(text)
    remote = remainder.split(":", 1)[0] if ":" in remainder else remainder
    remote = remote.split("@", 1)[0]
    if remote.lower() != remote:
        raise InvalidReference(
            f"invalid reference format: repository name ({remote}) must be lowercase"
        )
    full = f"{domain}/{remainder}"
    match = _REFERENCE.match(full)
    if match is None:
        raise InvalidReference("invalid reference format")
    name, tag, digest = match.groups()
    named = _ANCHORED_NAME.match(name)
    assert named is not None
    path = named.group(2)
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        )
    if digest is not None:
        algorithm, _, hexpart = digest.partition(":")
        if algorithm != "sha256":
            raise InvalidReference("unsupported digest algorithm")
        if len(hexpart) != 64 or hexpart.lower() != hexpart:
            raise InvalidReference("invalid checksum digest length" if len(hexpart) != 64
                                  else "invalid checksum digest format")
    return Reference(named.group(1) or domain, path, tag, digest)


def with_default_tag(ref: Reference) -> Reference:
    """`latest` when neither tag nor digest was given (TagNameOnly)."""
    return ref.with_tag(DEFAULT_TAG) if ref.tag is None and ref.digest is None else ref


def parse_docker_ref(text: str) -> Reference:
    """Normalize as ParseDockerRef: default tag added; with both tag and digest, the digest wins."""
    ref = with_default_tag(parse_reference(text))
    return ref.with_tag(None) if ref.digest is not None else ref

