"""What buildx's `docker` driver can do, which depends on the daemon's image store (buildx
`driver/docker/driver.go` @ v0.36.0: CacheExport and MultiPlatform are features only with the
containerd snapshotter). Docker 29's default containerd store has them; the classic store does
not. The refusals are buildx's `notSupported` (`build/utils.go`)."""

from __future__ import annotations


def not_supported(feature: str, docs: str) -> str:
    return (f"{feature} is not supported for the docker driver.\n"
            "Switch to a different driver, or turn on the containerd image store, and try "
            f"again.\nLearn more at {docs}")


def cache_export_refusal(containerd_store: bool) -> str | None:
    """Why `--cache-to` cannot be used here, or None when it can."""
    if containerd_store:
        return None
    return not_supported("Cache export", "https://docs.docker.com/go/build-cache-backends/")


def attestation_refusal(provenance: bool | None, sbom: str | None,
                        containerd_store: bool) -> str | None:
    """Why `--provenance`/`--sbom` cannot be used here (a disabled one, `false`, asks for no
    attestation and is always accepted), or None."""
    wanted = bool(provenance) or (
        sbom is not None and sbom.strip().lower() not in ("false", "0", "disabled=true"))
    if not wanted or containerd_store:
        return None
    return not_supported("Attestation", "https://docs.docker.com/go/attestations/")
