"""What a build is asked to do, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Secrets:
    """What the client offers a build: `--secret id=…` values and `--ssh` agent ids."""

    secrets: tuple[tuple[str, bytes], ...] = ()
    ssh: tuple[str, ...] = ()

    def secret(self, secret_id: str) -> bytes | None:
        for key, value in self.secrets:
            if key == secret_id:
                return value
        return None


@dataclass(frozen=True)
class Output:
    """Where `-o` sends a build's result: `local` (a directory) or `tar` (`dest` "-" is the
    client's stdout, kept in `BuildOutcome.tarball`)."""

    type: str
    dest: str


@dataclass(frozen=True)
class BuildRequest:
    """`docker build` options the engine acts on (the CLI parses and checks them)."""

    context: Path
    dockerfile: Path | None = None
    """Defaults to `<context>/Dockerfile`."""
    dockerfile_text: str | None = None
    """Given instead of a file for `docker build -f - .` (the Dockerfile on stdin)."""
    tags: tuple[str, ...] = ()
    build_args: tuple[tuple[str, str | None], ...] = ()
    """`--build-arg K=V`, or `--build-arg K` (value from the client's environment: None here)."""
    target: str | None = None
    no_cache: bool = False
    pull: bool = False
    platform: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    secrets: Secrets = field(default_factory=Secrets)
    """`--secret` values and `--ssh` agents the client offers to `RUN --mount`."""
    output: Output | None = None
    """`-o type=local|tar`: the result's files go to the client instead of an image."""
    no_cache_stages: tuple[str, ...] = ()
    """`--no-cache-filter`: stages whose steps ignore the cache."""
    check_only: bool = False
    """`--call=check`: parse and lint, build nothing."""
    provenance: bool | None = None
    """`--provenance`: None leaves buildx's default (a minimal provenance on the containerd
    store, none on the classic one, which cannot store attestations)."""
    no_default_attestations: bool = False
    """BUILDX_NO_DEFAULT_ATTESTATIONS set in the client's environment."""
    sbom: str | None = None
    cache_from: tuple[str, ...] = ()
    """`--cache-from type=local,src=<dir>`: directories whose exported cache to import."""
    cache_to: str | None = None
    """`--cache-to type=local,dest=<dir>`: where to export this build's cache."""
    build_contexts: tuple[tuple[str, str], ...] = ()
    """`--build-context name=value`: `docker-image://ref` stands in for an image named so,
    a directory for a stage or image whose files are read (`COPY --from=name`, mounts)."""


@dataclass(frozen=True)
class BuildFailure:
    """Why a build stopped, with what buildx prints under the progress."""

    message: str
    """After `ERROR: failed to build: ` (e.g. `failed to solve: process "/bin/sh -c exit 3" …`)."""
    dockerfile_name: str = "Dockerfile"
    dockerfile_text: str = ""
    start_line: int = 0
    end_line: int = 0
    step_name: str = ""
    """The failed vertex (`[2/2] RUN exit 3`), empty when no step ran."""
    logs: tuple[str, ...] = ()
    """Its last log lines as the printer keeps them (`0.262 hi`)."""


@dataclass(frozen=True)
class StepRecord:
    """One step of the last build, for the lessons' build timeline and their checks."""

    name: str
    cached: bool
    seconds: float
    reason: str = ""
    stage: str = ""


@dataclass
class BuildOutcome:
    image_id: str = ""
    tags: tuple[str, ...] = ()
    failure: BuildFailure | None = None
    warnings: list[tuple[str, str, int]] = field(default_factory=list)
    """Lint warnings: (rule, message, line)."""
    steps: list[StepRecord] = field(default_factory=list)
    seconds: float = 0.0
    tarball: bytes = b""
    """`-o type=tar,dest=-`: the result's files as a tar for the client's stdout."""
