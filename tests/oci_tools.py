"""Real OCI tools as test oracles, and file-tree snapshots to compare what they unpack."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from tutor.engine.fs import FileTree

Snapshot = dict[str, tuple[str, int, bytes | str]]


def tool(name: str) -> str:
    """The tool's path; skipped when it is missing, except under CI, which installs it."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI but not installed")
        pytest.skip(f"{name} not installed (apt-get install {name}); set CI=1 to make this fail")
    return path


def skopeo_inspect(ref: str, *flags: str) -> bytes:
    """What `skopeo inspect FLAGS REF` prints (REF such as `oci-archive:/tmp/app.tar`)."""
    return subprocess.run([tool("skopeo"), "inspect", *flags, ref],
                          check=True, capture_output=True).stdout


def umoci_rootfs(archive: Path, tag: str, work: Path) -> Path:
    """The root filesystem umoci unpacks from the image `tag` of a `docker save` archive (which
    is an OCI layout too), extracted under `work`.

    umoci takes a tag that names one manifest; a containerd-store save names an index (the
    image and its attestation), so skopeo first picks this platform's image out of it."""
    layout, bundle = work / "layout", work / "bundle"
    with tarfile.open(archive) as tar:
        tar.extractall(layout, filter="tar")
    index = json.loads((layout / "index.json").read_text())
    if index["manifests"][0]["mediaType"] == "application/vnd.oci.image.index.v1+json":
        picked = work / "picked"
        subprocess.run([tool("skopeo"), "--insecure-policy", "copy", "--preserve-digests",
                        f"oci-archive:{archive}", f"oci:{picked}:{tag}"],
                       check=True, capture_output=True)
        layout = picked
    subprocess.run([tool("umoci"), "unpack", "--rootless", "--image", f"{layout}:{tag}",
                    str(bundle)], check=True, capture_output=True)
    return bundle / "rootfs"


def snapshot_tree(tree: FileTree) -> Snapshot:
    out: Snapshot = {}
    for path in tree.walk():
        if path == "/":
            continue
        node = tree.get(path)
        assert node is not None
        value: bytes | str = node.target if node.type == "symlink" else (
            node.content.read() if node.content is not None else b"")
        mode = 0o777 if node.type == "symlink" else node.mode
        out[path] = (node.type, mode, value)
    return out


def snapshot_dir(root: Path) -> Snapshot:
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = "/" + str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("symlink", 0o777, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode), b"")
            else:
                out[rel] = ("file", stat.S_IMODE(st.st_mode), p.read_bytes())
    return out
