"""Images of other registries, by rule, for when the generated data does not describe them.

gcr.io/distroless (GoogleContainerTools/distroless README): `static`, `base`, `cc`, `java17`,
`java21`, `python3`, `nodejs20`, `nodejs22`, each `-debian12`, tagged `latest`, `nonroot`,
`debug`, `debug-nonroot`. Facts used: no shell and no package manager, except `:debug` which adds
busybox under /busybox (its Entrypoint is `/busybox/sh` for the images without a language
runtime); `nonroot` runs as user 65532 (`nonroot`, home /home/nonroot); /etc/passwd holds root,
nobody and nonroot; CA certificates and tzdata; each image adds to the one before
(static ⊂ base ⊂ cc ⊂ language images); the languages' entry points are `/usr/bin/java -jar`,
`/usr/bin/python3.11`, `/nodejs/bin/node`. Here each image is FROM the previous one with the same
tag, so they share layers (a `:debug` chain has its busybox layer on `static`). Distroless
images are built by Bazel, not from a Dockerfile: their history lines here are the tutor's
(`bazel build …`), and sizes are estimates near the README's ("static ~2 MiB, base ~20 MiB").

mcr.microsoft.com/dotnet (dotnet/dotnet-docker): runtime-deps ← runtime ← aspnet ← sdk, on
Debian 12 slim (and Alpine), .NET 8.0.18 / SDK 8.0.412 and 9.0.7 / SDK 9.0.302 (releases of
2025-07-08), user `app` (APP_UID=1654), ASPNETCORE_HTTP_PORTS=8080, the runtime in
/usr/share/dotnet with /usr/bin/dotnet linking to it. Steps follow the structure of the upstream
Dockerfiles, shortened (the real ones download and verify tarballs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutor.engine.library.data import ImageRecord, LayerSize, RepositoryRecord, StepRecord

_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_CERTS = "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
DISTROLESS_ARCHES = ("amd64", "arm64v8", "arm32v7", "s390x", "ppc64le")
_EPOCH = "1970-01-01T00:00:00Z"

_PASSWD = ("root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:"
           "/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
_GROUP = "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n"
_OS_RELEASE = ('PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\n'
               'VERSION_ID="12"\nVERSION="Debian GNU/Linux 12 (bookworm)"\n'
               'HOME_URL="https://github.com/GoogleContainerTools/distroless"\n'
               'SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/'
               'README.md"\nBUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/'
               'issues/new"\n')

# Each layer: (bazel target, size, recipe).
_LAYERS: dict[str, tuple[str, int, dict[str, Any]]] = {
    "static": ("//base:static_root", 2_000_000, {
        "dirs": ["/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/proc", "/root", "/run",
                 "/sbin", "/sys", "/tmp", "/usr/bin", "/usr/sbin", "/var/lib", "/var/log",
                 "/home/nonroot"],
        "files": {"/etc/passwd": _PASSWD, "/etc/group": _GROUP, "/etc/os-release": _OS_RELEASE,
                  "/etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
                  "/etc/debian_version": "12.12\n"},
        "modes": {"/tmp": "1777", "/root": "700", "/home/nonroot": "700"},
        "owners": {"/home/nonroot": "65532:65532"},
        "fill": {"/etc/ssl/certs": "ca-certificates.crt", "/usr/share/zoneinfo": "tzdata.zi"},
    }),
    "base": ("//base:base_root", 18_000_000, {
        "blobs": {"/usr/lib/@TRIPLET@/libc.so.6": 1_922_136, "/lib64/@LD@": 210_968,
                  "/usr/lib/@TRIPLET@/libssl.so.3": 698_248,
                  "/usr/lib/@TRIPLET@/libcrypto.so.3": 4_709_656},
        "fill": {"/usr/lib/@TRIPLET@": "libm.so.6 libresolv.so.2 libz.so.1",
                 "/usr/lib/@TRIPLET@/gconv": "gconv-modules.cache"},
    }),
    "cc": ("//cc:cc_root", 3_000_000, {
        "blobs": {"/usr/lib/@TRIPLET@/libstdc++.so.6.0.30": 2_190_440,
                  "/usr/lib/@TRIPLET@/libgcc_s.so.1": 125_312},
        "fill": {"/usr/lib/@TRIPLET@": "libgomp.so.1.0.0"},
    }),
    "java17": ("//java:java17_root", 200_000_000, {
        "blobs": {"/usr/lib/jvm/temurin17_jre_@DEBARCH@/bin/java": 14_000},
        "symlinks": {"/usr/bin/java": "/usr/lib/jvm/temurin17_jre_@DEBARCH@/bin/java"},
        "fill": {"/usr/lib/jvm/temurin17_jre_@DEBARCH@/lib": "modules libjvm.so"},
    }),
    "java21": ("//java:java21_root", 205_000_000, {
        "blobs": {"/usr/lib/jvm/temurin21_jre_@DEBARCH@/bin/java": 14_000},
        "symlinks": {"/usr/bin/java": "/usr/lib/jvm/temurin21_jre_@DEBARCH@/bin/java"},
        "fill": {"/usr/lib/jvm/temurin21_jre_@DEBARCH@/lib": "modules libjvm.so"},
    }),
    "python3": ("//python3:python3_root", 30_000_000, {
        "blobs": {"/usr/bin/python3.11": 6_831_736},
        "symlinks": {"/usr/bin/python3": "python3.11", "/usr/bin/python": "python3.11"},
        "fill": {"/usr/lib/python3.11": "typing.py _pydecimal.py argparse.py",
                 "/usr/lib/python3.11/lib-dynload": "_ssl.cpython-311-@TRIPLET@.so"},
    }),
    "nodejs20": ("//nodejs:nodejs20_root", 110_000_000, {
        "blobs": {"/nodejs/bin/node": 96_000_000},
        "fill": {"/nodejs/include/node": "node.h", "/nodejs/share/doc/node": "gdbinit"},
    }),
    "nodejs22": ("//nodejs:nodejs22_root", 115_000_000, {
        "blobs": {"/nodejs/bin/node": 100_000_000},
        "fill": {"/nodejs/include/node": "node.h", "/nodejs/share/doc/node": "gdbinit"},
    }),
    "busybox": ("//experimental/busybox:busybox", 1_200_000, {
        "blobs": {"/busybox/busybox": 1_161_000},
        "symlinks": {f"/busybox/{n}": "busybox" for n in (
            "sh", "ls", "cat", "echo", "env", "id", "ps", "pwd", "mkdir", "rm", "cp", "mv",
            "wget", "vi", "grep", "sed", "tar", "which", "whoami", "sleep", "head", "tail")},
    }),
}

_CHAINS = {
    "static": ("static",),
    "base": ("static", "base"),
    "cc": ("static", "base", "cc"),
    "java17": ("static", "base", "cc", "java17"),
    "java21": ("static", "base", "cc", "java21"),
    "python3": ("static", "base", "cc", "python3"),
    "nodejs20": ("static", "base", "cc", "nodejs20"),
    "nodejs22": ("static", "base", "cc", "nodejs22"),
}

_ENTRYPOINTS: dict[str, list[str]] = {
    "java17": ["/usr/bin/java", "-jar"],
    "java21": ["/usr/bin/java", "-jar"],
    "python3": ["/usr/bin/python3.11"],
    "nodejs20": ["/nodejs/bin/node"],
    "nodejs22": ["/nodejs/bin/node"],
}


def _distroless(kind: str, tag: str) -> ImageRecord:
    debug = tag.startswith("debug")
    nonroot = tag.endswith("nonroot")
    chain = _CHAINS[kind]
    # each image is FROM the one before with the same tag, so they share layers as the real
    # ones do (:debug adds busybox once, on static)
    parts = chain[-1:] + (("busybox",) if debug and kind == "static" else ())
    base = f"gcr.io/distroless/{chain[-2]}-debian12:{tag}" if len(chain) > 1 else "scratch"
    config: dict[str, Any] = {"Env": [_PATH + (":/busybox" if debug else ""), _CERTS],
                              "User": "65532" if nonroot else "0",
                              "WorkingDir": "/home/nonroot" if nonroot else "/"}
    if kind in _ENTRYPOINTS:
        config["Entrypoint"] = _ENTRYPOINTS[kind]
    elif debug:
        config["Entrypoint"] = ["/busybox/sh"]
    history = tuple(StepRecord(f"bazel build {_LAYERS[p][0]}", False, created=_EPOCH)
                    for p in parts)
    layers = tuple(LayerSize(_LAYERS[p][1], None) for p in parts)
    return ImageRecord(
        source="rule", repository=f"gcr.io/distroless/{kind}-debian12", tags=(tag,),
        architectures=DISTROLESS_ARCHES, base=base, base_history=None, created=_EPOCH,
        config=config, history=history, layers=layers, size=None, packages_format="",
        packages=(), recipes=tuple(_LAYERS[p][2] for p in parts))


_DOTNET = {"8.0": ("8.0.18", "8.0.412"), "9.0": ("9.0.7", "9.0.302")}
_DOTNET_CREATED = "2025-07-08T00:00:00Z"


def _dotnet(kind: str, major: str, variant: str) -> ImageRecord:
    runtime, sdk = _DOTNET[major]
    alpine = variant == "alpine"
    suffix = f"-{variant}" if variant else ""
    tags = tuple(f"{v}{suffix}" for v in ((major, sdk) if kind == "sdk" else (major, runtime)))
    if not variant:
        tags += tuple(f"{t}-bookworm-slim" for t in tags)
    install = ("apk add --no-cache" if alpine
               else "apt-get update && apt-get install -y --no-install-recommends")
    steps: list[tuple[str, bool]]
    config: dict[str, Any]
    if kind == "runtime-deps":
        base = "alpine:3.21" if alpine else "debian:bookworm-slim"
        config = {"Env": ["APP_UID=1654", "ASPNETCORE_HTTP_PORTS=8080",
                          "DOTNET_RUNNING_IN_CONTAINER=true"]}
        steps = [(f"RUN /bin/sh -c {install} ca-certificates libgcc libssl3 libstdc++ tzdata"
                  f"{'' if alpine else ' libc6 libicu72 zlib1g && rm -rf /var/lib/apt/lists/*'}"
                  " # buildkit", False),
                 ("ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true",
                  True),
                 ("RUN /bin/sh -c groupadd --gid=$APP_UID app && useradd -l --uid=$APP_UID "
                  "--gid=$APP_UID --create-home app # buildkit" if not alpine else
                  "RUN /bin/sh -c addgroup --gid=$APP_UID app && adduser --uid=$APP_UID "
                  "--ingroup=app --disabled-password app # buildkit", False)]
    elif kind == "runtime":
        base = f"mcr.microsoft.com/dotnet/runtime-deps:{major}{suffix}"
        config = {"Env": [f"DOTNET_VERSION={runtime}"]}
        steps = [(f"ENV DOTNET_VERSION={runtime}", True),
                 ("COPY /dotnet /usr/share/dotnet # buildkit", False),
                 ("RUN /bin/sh -c ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet # buildkit",
                  False)]
    elif kind == "aspnet":
        base = f"mcr.microsoft.com/dotnet/runtime:{major}{suffix}"
        config = {"Env": [f"ASPNET_VERSION={runtime}"]}
        steps = [(f"ENV ASPNET_VERSION={runtime}", True),
                 ("COPY /shared/Microsoft.AspNetCore.App /usr/share/dotnet/shared/"
                  "Microsoft.AspNetCore.App # buildkit", False)]
    else:
        base = f"mcr.microsoft.com/dotnet/aspnet:{major}{suffix}"
        config = {"Env": ["ASPNETCORE_HTTP_PORTS=", "DOTNET_GENERATE_ASPNET_CERTIFICATE=false",
                          "DOTNET_NOLOGO=true", f"DOTNET_SDK_VERSION={sdk}",
                          "DOTNET_USE_POLLING_FILE_WATCHER=true", "NUGET_XMLDOC_MODE=skip",
                          "POWERSHELL_DISTRIBUTION_CHANNEL=PSDocker-DotnetSDK-Debian-12"]}
        steps = [("ENV " + " ".join(config["Env"]), True),
                 (f"RUN /bin/sh -c {install} curl git libatomic1 wget"
                  f"{'' if alpine else ' && rm -rf /var/lib/apt/lists/*'} # buildkit", False),
                 ("RUN /bin/sh -c curl -fSL --output dotnet.tar.gz https://builds.dotnet.microsoft"
                  f".com/dotnet/Sdk/{sdk}/dotnet-sdk-{sdk}-linux-x64.tar.gz && tar -oxzf "
                  "dotnet.tar.gz -C /usr/share/dotnet ./packs ./sdk ./sdk-manifests ./templates "
                  "&& rm dotnet.tar.gz && dotnet help # buildkit", False)]
    history = tuple(StepRecord(text, empty, created=_DOTNET_CREATED) for text, empty in steps)
    return ImageRecord(
        source="rule", repository=f"mcr.microsoft.com/dotnet/{kind}", tags=tags,
        architectures=("amd64", "arm64v8", "arm32v7"), base=base, base_history=None,
        created=_DOTNET_CREATED, config=config, history=history, layers=(), size=None,
        packages_format="", packages=())


def builtin_records() -> Mapping[str, RepositoryRecord]:
    """Every rule-made repository by familiar name (cheap: no layer is built here)."""
    out: dict[str, RepositoryRecord] = {}
    for kind in _CHAINS:
        images = tuple(_distroless(kind, tag)
                       for tag in ("latest", "nonroot", "debug", "debug-nonroot"))
        name = f"gcr.io/distroless/{kind}-debian12"
        out[name] = _repository(name, "Language focused docker images, minus the operating "
                                "system.", images)
    for kind in ("runtime-deps", "runtime", "aspnet", "sdk"):
        images = tuple(_dotnet(kind, major, variant)
                       for major in _DOTNET for variant in ("", "alpine"))
        name = f"mcr.microsoft.com/dotnet/{kind}"
        out[name] = _repository(name, f".NET {kind} images (dotnet/dotnet-docker)", images)
    return out


def _repository(name: str, description: str, images: tuple[ImageRecord, ...]) -> RepositoryRecord:
    by_tag: dict[str, ImageRecord] = {}
    for image in images:
        for tag in image.tags:
            by_tag.setdefault(tag, image)
    return RepositoryRecord(name, description, images, by_tag)
