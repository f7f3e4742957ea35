"""The repo-info half of the generated image library.

Two halves: ``assets/library/refresh_repoinfo.py`` turns files laid out like
docker-library/repo-info's ``repos/`` into the library's JSON documents (checked against small
fixtures written in repo-info's format), and the documents shipped in
``assets/library/repo-info/`` are well-formed.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "assets" / "library" / "refresh_repoinfo.py"
SHIPPED = ROOT / "assets" / "library" / "repo-info"
FIXTURES = Path(__file__).parent / "fixtures" / "repo-info" / "repos"

ARCHITECTURES = {
    "amd64", "arm32v5", "arm32v6", "arm32v7", "arm64v8", "i386", "ppc64le", "s390x",
    "riscv64", "mips64le", "windows-amd64",
}


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_repoinfo", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["refresh_repoinfo"] = module
    spec.loader.exec_module(module)
    return module


refresh = _load_script()


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = refresh.build([FIXTURES], "c0ffee", "2026-12-07")
    return result


def _image(documents: dict[str, dict[str, Any]], repository: str) -> dict[str, Any]:
    images = documents[repository]["images"]
    assert len(images) == 1
    image: dict[str, Any] = images[0]
    return image


# --- the script, on fixtures --------------------------------------------------------------


def test_alias_files_with_the_same_amd64_digest_make_one_image(documents):
    node = _image(documents, "node")
    assert node["tags"] == ["18-alpine", "18-alpine3.17"]


def test_node_image_is_parsed_exactly(documents):
    created_by = [
        "ADD file:e4d600fc4c9c293efe360be7b30ee96579925d1b4634c94332e2ec73f7d8eca1 in / ",
        'CMD ["/bin/sh"]',
        "ENV NODE_VERSION=18.13.0",
        "RUN addgroup -g 1000 node     && apk add --no-cache libstdc++",
        "ENV YARN_VERSION=1.22.19",
        "COPY file:4d192565a7220e135cab6c77fbc1c73211b69f3d9fb37e62857b2c6eb9363d51"
        " in /usr/local/bin/ ",
        "WORKDIR /usr/src/app",
        "EXPOSE 3000",
        'ENTRYPOINT ["docker-entrypoint.sh"]',
        'CMD ["node"]',
    ]
    layer_made = [True, False, False, True, False, True, False, False, False, False]
    assert _image(documents, "node") == {
        "tags": ["18-alpine", "18-alpine3.17"],
        # "unknown; unknown" entries are attestation manifests, not platforms.
        "architectures": ["amd64", "arm32v7"],
        "from": "alpine:3.17",
        "base_history": 2,
        "created": "2023-01-09T18:42:40Z",
        "config": {
            "Env": ["NODE_VERSION=18.13.0", "YARN_VERSION=1.22.19"],
            "Entrypoint": ["docker-entrypoint.sh"],
            "Cmd": ["node"],
            "WorkingDir": "/usr/src/app",
            "ExposedPorts": {"3000/tcp": {}},
        },
        "history": [
            {"created_by": text, "empty_layer": not made}
            for text, made in zip(created_by, layer_made, strict=True)
        ],
        # "Size: 450.0 B" has no "(N bytes)": small sizes are printed exactly.
        "layers": [{"compressed": 3370628}, {"compressed": 45928922}, {"compressed": 450}],
    }


def test_local_file_gives_size_env_and_apk_packages(documents):
    alpine = _image(documents, "alpine")
    assert alpine["size"] == 7_040_000  # "~ 7.04 Mb"
    assert alpine["config"] == {
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        "Cmd": ["/bin/sh"],  # printed escaped: ["\/bin\/sh"]
    }
    assert alpine["packages"] == {"format": "apk", "list": ["busybox 1.35.0-r29", "musl 1.2.3-r4"]}
    assert alpine["architectures"] == ["amd64", "arm64v8"]
    assert (alpine["from"], alpine["base_history"]) == ("scratch", 0)


def test_classic_builder_history_and_dpkg_packages(documents):
    python = _image(documents, "python")
    assert python["from"] == "debian:bullseye-slim"
    assert python["base_history"] == 2
    assert [h["empty_layer"] for h in python["history"]] == [False, True, True, False, True]
    assert python["history"][3]["created_by"] == (
        "/bin/sh -c set -eux; \tapt-get update; \trm -rf /var/lib/apt/lists/*"
    )
    assert python["packages"] == {
        "format": "dpkg",
        "list": ["apt 2.2.4", "libacl1 2.2.53-10", "libapt-pkg6.0 2.2.4"],
    }
    assert python["size"] == 128_460_000
    # The local file's Env wins over what the history's ENV steps would give.
    assert python["config"]["Env"] == [
        "PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG=C.UTF-8",
    ]
    assert python["architectures"] == ["amd64", "i386", "windows-amd64"]


def test_multi_line_entries_and_layerless_run_steps_are_flagged(documents):
    ubuntu = _image(documents, "ubuntu")
    assert ubuntu["history"][1]["created_by"] == (
        "RUN umoci config --image ubuntu:26.04 --config.label description=The Ubuntu image\n\n"
        "Ubuntu is a Debian-based Linux operating system.\n"
    )
    assert len(ubuntu["history"]) == 3
    assert ubuntu["layers"] == [{"compressed": 41568275}, {"compressed": 389}]
    assert ubuntu["history_layer_mismatch"] is True
    assert "history_layer_mismatch" not in _image(documents, "node")


def test_documents_name_their_source(documents):
    assert documents["node"]["repository"] == "node"
    assert documents["node"]["source"] == {
        "name": "docker-library/repo-info", "commit": "c0ffee", "date": "2026-12-07",
    }


def test_tag_claimed_by_first_root_only(tmp_path):
    # The same tag in a second (older) tree does not duplicate it; its image only serves as a base.
    older = tmp_path / "older"
    (older / "alpine" / "remote").mkdir(parents=True)
    text = (FIXTURES / "alpine" / "remote" / "3.17.md").read_text()
    other = text.replace("3" * 64, "4" * 64, 1).replace("2" * 64, "5" * 64, 1)
    (older / "alpine" / "remote" / "3.17.md").write_text(other)
    docs = refresh.build([FIXTURES, older], "c0ffee", "2026-12-07")
    assert [image["tags"] for image in docs["alpine"]["images"]] == [["3.17"]]


def test_cli_writes_deterministic_gzip(tmp_path):
    out = tmp_path / "out"
    args = ["--commit", "c0ffee", "--date", "2026-12-07", "--out", str(out), str(FIXTURES)]
    assert refresh.main(args) == 0
    first = (out / "node.json.gz").read_bytes()
    assert first[4:8] == b"\0\0\0\0"  # gzip mtime 0
    assert refresh.main(args) == 0
    assert (out / "node.json.gz").read_bytes() == first
    data = json.loads(gzip.decompress(first))
    assert data["images"][0]["tags"] == ["18-alpine", "18-alpine3.17"]
    assert sorted(p.name for p in out.iterdir()) == [
        "alpine.json.gz", "debian.json.gz", "node.json.gz", "python.json.gz", "ubuntu.json.gz",
    ]


def test_windows_platforms_keep_their_architecture_without_the_os_build():
    text = (FIXTURES / "alpine" / "remote" / "3.17.md").read_text()
    text = text.replace(
        "\t-\tlinux; arm64 variant v8\n", "\t-\twindows version 10.0.20348.5386; amd64\n", 1
    )
    remote = refresh.parse_remote(text, "alpine")
    assert remote is not None
    assert remote.architectures == ["amd64", "windows-amd64"]


def test_makes_layer_rules():
    assert refresh.makes_layer("RUN apt-get update # buildkit")
    assert refresh.makes_layer("COPY docker-entrypoint.sh /usr/local/bin/ # buildkit")
    assert refresh.makes_layer("/bin/sh -c #(nop) ADD file:abc in / ")
    assert refresh.makes_layer("|1 ARCH=amd64 /bin/sh -c make")
    assert not refresh.makes_layer('/bin/sh -c #(nop)  CMD ["bash"]')
    for config_only in (
        "ENV A=1", "LABEL a=b", "ARG RELEASE", "USER node", "STOPSIGNAL SIGQUIT",
        "VOLUME [/data]", "HEALTHCHECK NONE", "ONBUILD RUN x", "EXPOSE map[80/tcp:{}]",
    ):
        assert not refresh.makes_layer(config_only), config_only


def test_buildkit_workdir_layers_are_recognised_only_when_they_reconcile_the_count():
    history = ["RUN a # buildkit", "WORKDIR /data", "COPY x / # buildkit", 'CMD ["x"]']
    assert refresh.layer_flags(history, 3) == [True, True, True, False]
    assert refresh.layer_flags(history, 2) == [True, False, True, False]
    classic = ["/bin/sh -c a", "WORKDIR /data", "/bin/sh -c #(nop) COPY x in / "]
    assert refresh.layer_flags(classic, 3) == [True, False, True]


# --- the shipped data ----------------------------------------------------------------------


def _shipped() -> list[tuple[str, dict[str, Any]]]:
    return [(p.name, json.loads(gzip.decompress(p.read_bytes())))
            for p in sorted(SHIPPED.glob("*.json.gz"))]


def test_shipped_data_exists():
    names = {name for name, _ in _shipped()}
    assert {"alpine.json.gz", "debian.json.gz", "node.json.gz", "python.json.gz"} <= names


@pytest.mark.parametrize(
    ("name", "document"), _shipped(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_shipped_document_is_well_formed(name, document):
    assert name == f"{document['repository'].replace('/', '__')}.json.gz"
    assert document["source"]["name"] == "docker-library/repo-info"
    assert re.fullmatch(r"[0-9a-f]{40}", document["source"]["commit"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", document["source"]["date"])
    tags = [tag for image in document["images"] for tag in image["tags"]]
    assert len(tags) == len(set(tags)), "a tag names two images"
    for image in document["images"]:
        label = f"{document['repository']}:{image['tags'][0]}"
        assert image["tags"] == sorted(image["tags"]) and image["tags"], label
        assert image["history"], label
        assert set(image["architectures"]) <= ARCHITECTURES and "amd64" in image["architectures"]
        made = sum(1 for entry in image["history"] if not entry["empty_layer"])
        if not image.get("history_layer_mismatch"):
            assert made == len(image["layers"]), label
        assert all(layer["compressed"] > 0 for layer in image["layers"]), label
        assert "size" not in image or image["size"] > 0, label
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", image["created"]), label
        if image["from"] is not None:
            assert 0 <= image["base_history"] < len(image["history"]), label
            assert image["from"] == "scratch" or ":" in image["from"], label
        if "packages" in image:
            assert image["packages"]["format"] in ("apk", "dpkg") and image["packages"]["list"]
        if "source_commit" in image:
            assert re.fullmatch(r"[0-9a-f]{40}", image["source_commit"]), label


def test_shipped_bases_agree_with_their_base_images():
    # Where a base is itself shipped under the tag "from" names, its history is the prefix.
    documents = {doc["repository"]: doc for _, doc in _shipped()}
    checked = 0
    for document in documents.values():
        for image in document["images"]:
            if not image["from"] or image["from"] == "scratch":
                continue
            repository, tag = image["from"].split(":", 1)
            base = next((b for b in documents.get(repository, {"images": []})["images"]
                         if tag in b["tags"]), None)
            if base is None or base["created"] > image["created"]:
                continue  # the tag now names a newer image than the one this was built on
            assert image["history"][: image["base_history"]] == base["history"]
            checked += 1
    assert checked > 0


def test_packages_come_with_real_versions():
    alpine = dict(_shipped())["alpine.json.gz"]
    lists = [image["packages"]["list"] for image in alpine["images"] if "packages" in image]
    assert lists, "no alpine image carries its package list"
    for packages in lists:
        names = {entry.split(" ", 1)[0] for entry in packages}
        assert {"musl", "busybox", "apk-tools"} <= names
