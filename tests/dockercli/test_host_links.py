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


def test_docker_cp_copies_a_link_as_a_link_unless_told_to_follow(
        docker: Docker, tmp_path: Path) -> None:
    (tmp_path / "target.txt").write_text("pointed at\n")
    (tmp_path / "link").symlink_to(tmp_path / "target.txt")
    assert docker("pull", "-q", "alpine").status == 0
    assert docker("create", "--name", "box", "alpine").status == 0
    assert docker("cp", str(tmp_path / "link"), "box:/plain").status == 0
    assert docker("cp", "-L", str(tmp_path / "link"), "box:/followed").status == 0
    assert docker("cp", "box:/followed", str(tmp_path / "out.txt")).status == 0
    assert (tmp_path / "out.txt").read_text() == "pointed at\n"
    exported = docker("export", "-o", str(tmp_path / "box.tar"), "box")
    assert exported.status == 0, exported.err
    import tarfile

    with tarfile.open(tmp_path / "box.tar") as tar:
        plain = tar.getmember("plain")
        assert plain.issym() and plain.linkname == str(tmp_path / "target.txt")
        assert tar.getmember("followed").isfile()
