"""A Dockerfile that is a link out of the context is resolved inside the context, as BuildKit
resolves it, also for `tutor docker` outside the tutorial (issue 14)."""

from __future__ import annotations

from pathlib import Path

from tests.dockercli.conftest import Docker


def test_a_dockerfile_linking_out_of_the_context_is_resolved_inside_it(
        docker: Docker, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM alpine\nLABEL secret=SENTINEL-df\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").symlink_to(outside / "Dockerfile")
    missing = docker("build", str(app))
    assert missing.status != 0
    assert "failed to read dockerfile" in missing.err
    assert "SENTINEL" not in missing.out + missing.err
    # a link whose target lies inside the context is followed there
    (app / "real.Dockerfile").write_text("FROM alpine\n")
    (app / "Dockerfile").unlink()
    (app / "Dockerfile").symlink_to("/real.Dockerfile")  # absolute: from the context's root
    built = docker("build", "-q", "-t", "linked", str(app))
    assert built.status == 0, built.err
