"""Simulated downloads, checksums, signatures and archives: what official Dockerfiles do between
`curl` and `tar`, on the rules of `tutor/engine/sh/downloads.py`."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest

from tests.engine.shell_tools_trees import LATER, alpine, debian, run, text
from tutor.engine.sh import downloads

NODE = "https://nodejs.org/dist/v22.12.0"
NODE_TAR = "node-v22.12.0-linux-x64.tar.xz"


@pytest.mark.parametrize(("url", "made_up"), [
    ("https://nodejs.org/dist/v22.12.0/node-v22.12.0-linux-x64.tar.xz", True),
    ("http://deb.debian.org/x", True),
    ("https://example.com/missing", False),
    ("https://nope.example/", False),
    ("http://db:5432/", False),
    ("http://127.0.0.1:8080/", False),
    ("https://svc.internal/x", False),
    ("https://app.localhost/x", False),
])
def test_which_urls_the_simulated_web_makes_up(url: str, made_up: bool) -> None:
    assert downloads.synthesizable(url) is made_up


def test_bodies_are_deterministic_and_recognised() -> None:
    url = f"{NODE}/{NODE_TAR}"
    body = downloads.body(url)
    assert body == downloads.body(url)
    assert body[:6] == b"\xfd7zXZ\x00"
    assert downloads.is_download(body) == url
    assert downloads.is_download(body[:-1] + b"\x00") is None
    assert downloads.is_download(b"hello\n") is None


@pytest.mark.parametrize(("name", "members"), [
    (NODE_TAR, {"node-v22.12.0-linux-x64/bin/node", "node-v22.12.0-linux-x64/bin/npm"}),
    ("hello-2.12.tar.gz", {"hello-2.12/configure", "hello-2.12/Makefile.in",
                           "hello-2.12/src/main.c"}),
    ("helm-v3.15.0-linux-amd64.tar.gz", {"helm-v3.15.0-linux-amd64/bin/helm"}),
    ("go1.22.5.linux-amd64.tar.gz", {"go/bin/go", "go/bin/gofmt", "go/VERSION"}),
])
def test_archives_hold_plausible_trees(name: str, members: set[str]) -> None:
    data = downloads.body(f"https://downloads.acme.org/x/{name}")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        names = set(archive.getnames())
    assert members <= names


def test_github_archive_is_named_after_the_repo() -> None:
    data = downloads.body("https://github.com/tianon/gosu/archive/refs/tags/v1.17.tar.gz")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        assert "gosu-1.17/configure" in archive.getnames()


def test_single_checksum_file_names_the_real_digest() -> None:
    url = "https://get.helm.sh/helm-v3.15.0-linux-amd64.tar.gz"
    line = downloads.body(url + ".sha256sum").decode()
    assert line == f"{hashlib.sha256(downloads.body(url)).hexdigest()}  " \
                   "helm-v3.15.0-linux-amd64.tar.gz\n"


def test_curl_and_wget_fetch_any_public_url() -> None:
    tree = debian()
    result = run(tree, f"cd /tmp && curl -fsSLO --compressed --retry 3 {NODE}/{NODE_TAR} && "
                       "wget -q -O gosu https://github.com/tianon/gosu/releases/download/1.17/"
                       "gosu-amd64 && chmod +x gosu && ./gosu --version && "
                       "curl -fsSL https://get.docker.com | sh")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.decode().splitlines() == [
        "1.17 (go1.18.2 on linux/amd64; gc)",
        "get.docker.com: simulated download of https://get.docker.com: nothing to install"]
    assert tree.nodes[f"/tmp/{NODE_TAR}"].size > 10_000


def test_reserved_hosts_still_do_not_resolve() -> None:
    result = run(debian(), "curl -fsSL https://nope.example/x")
    assert (result.exit_code, result.stderr) == (6, b"curl: (6) Could not resolve host: "
                                                    b"nope.example\n")


# -- checksums ---------------------------------------------------------------------------------

def test_stated_checksum_of_a_simulated_download_is_accepted() -> None:
    # The hash stated is upstream's real one, which the simulation cannot reproduce.
    stated = "f6d419a6d8743ab26700801b4908d26d97e8b986e14f95de31b32de2b0e79554"
    result = run(debian(), "cd /tmp && curl -fsSL -o python.tar.xz https://www.python.org/ftp/"
                           f"python/3.12.4/Python-3.12.4.tar.xz && echo '{stated} *python.tar.xz'"
                           " | sha256sum -c -")
    assert (result.exit_code, result.stdout) == (0, b"python.tar.xz: OK\n")


def test_a_learners_file_is_checked_for_real() -> None:
    tree = debian()
    good = hashlib.sha256(b"hi\n").hexdigest()
    result = run(tree, f"echo hi > /f && echo '{good}  /f' | sha256sum -c && "
                       "echo '0000000000000000000000000000000000000000000000000000000000000000  /f'"
                       " | sha256sum -c; echo $?")
    assert result.stdout == b"/f: OK\n/f: FAILED\n1\n"
    assert result.stderr == b"sha256sum: WARNING: 1 computed checksum did NOT match\n"


@pytest.mark.parametrize(("script", "status", "stdout", "stderr"), [
    ("echo junk | sha256sum -c -", 1, "",
     "sha256sum: 'standard input': no properly formatted checksum lines found\n"),
    ("echo '{h}  /gone' | sha256sum -c", 1, "/gone: FAILED open or read\n",
     "sha256sum: /gone: No such file or directory\n"
     "sha256sum: WARNING: 1 listed file could not be read\n"),
    ("echo '{h}  /f' | sha256sum --status -c -", 0, "", ""),
    ("printf '{h}  /f\\njunk\\n' | sha256sum -c --strict -", 1, "/f: OK\n",
     "sha256sum: WARNING: 1 line is improperly formatted\n"),
    ("echo '{h5}  /f' | sha512sum -c 2>&1 | head -1", 0, "sha512sum: 'standard input': no "
     "properly formatted checksum lines found\n", ""),
])
def test_gnu_check_mode(script: str, status: int, stdout: str, stderr: str) -> None:
    tree = debian()
    run(tree, "echo hi > /f")
    h = hashlib.sha256(b"hi\n").hexdigest()
    result = run(tree, script.format(h=h, h5=h))
    assert (result.exit_code, result.stdout.decode(), result.stderr.decode()) == (
        status, stdout, stderr)


def test_busybox_check_mode() -> None:
    tree = alpine()
    result = run(tree, "echo hi > /f && echo "
                       "'0000000000000000000000000000000000000000000000000000000000000000  /f' "
                       "| sha256sum -c -")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, b"/f: FAILED\n", b"sha256sum: WARNING: 1 of 1 computed checksums did NOT match\n")


# -- gpg ---------------------------------------------------------------------------------------

def test_node_debian_verification_sequence() -> None:
    tree = debian()
    result = run(tree, f"""set -ex; cd /tmp
export GNUPGHOME="$(mktemp -d)"
curl -fsSLO --compressed "{NODE}/{NODE_TAR}"
curl -fsSLO --compressed "{NODE}/SHASUMS256.txt.asc"
for key in C0D6248439F1D5604AAFFB4021D900FFDB233756 DD792F5973C6DE52C432CBDAC77ABFA00DDBF2B7; do
  gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$key"
done
gpg --batch --decrypt --output SHASUMS256.txt SHASUMS256.txt.asc
grep " {NODE_TAR}\\$" SHASUMS256.txt | sha256sum -c -
tar -xJf "{NODE_TAR}" -C /usr/local --strip-components=1 --no-same-owner
gpgconf --kill all
rm -rf "$GNUPGHOME" "{NODE_TAR}" SHASUMS256.txt.asc SHASUMS256.txt
node --version
""", epoch=LATER)
    assert result.exit_code == 0, result.stderr.decode()
    err = result.stderr.decode()
    assert "gpg: key 21D900FFDB233756: public key" in err and "imported" in err
    assert "gpg: Good signature from" in err
    assert f"{NODE_TAR}: OK\n" in result.stdout.decode()
    node = tree.nodes["/usr/local/bin/node"]
    assert (node.uid, node.mode & 0o777) == (0, 0o755)
    assert tree.get("/usr/local/bin/npm") is not None
    assert not [p for p in tree.paths() if p.startswith("/tmp/tmp.")]


def test_gpg_verify_detached_signature() -> None:
    tree = debian()
    base = "https://www.python.org/ftp/python/3.12.4/Python-3.12.4.tar.xz"
    setup = (f"cd /tmp && export GNUPGHOME=/tmp/g && mkdir $GNUPGHOME && curl -fsSL -o p.tar.xz "
             f"{base} && curl -fsSL -o p.tar.xz.asc {base}.asc && ")
    result = run(tree, setup + "gpg --batch --verify p.tar.xz.asc p.tar.xz")
    assert result.exit_code == 2
    assert result.stderr.decode().endswith("gpg: Can't check signature: No public key\n")
    result = run(tree, "cd /tmp && export GNUPGHOME=/tmp/g && gpg --batch --keyserver "
                       "hkps://keys.openpgp.org --recv-keys "
                       "A035C8C19219BA821ECEA86B64E628F8D684696D"
                       " && gpg --batch --verify p.tar.xz.asc p.tar.xz")
    assert result.exit_code == 0
    err = result.stderr.decode()
    assert err.startswith("gpg: keybox '/tmp/g/pubring.kbx' created\n"
                          "gpg: /tmp/g/trustdb.gpg: trustdb created\n"
                          "gpg: key 64E628F8D684696D: public key ")
    assert "gpg: Good signature from" in err
    assert "Primary key fingerprint: A035 C8C1 9219 BA82 1ECE  A86B 64E6 28F8 D684 696D\n" in err
    result = run(tree, "cd /tmp && export GNUPGHOME=/tmp/g && echo x > p.tar.xz && "
                       "gpg --batch --verify p.tar.xz.asc p.tar.xz")
    assert result.exit_code == 1 and b"gpg: BAD signature from" in result.stderr
    result = run(tree, "cd /tmp && gpg --batch --verify p.tar.xz p.tar.xz")
    assert result.exit_code == 2 and b"gpg: no valid OpenPGP data found." in result.stderr


def test_gpg_dearmor_of_a_downloaded_key() -> None:
    tree = debian()
    result = run(tree, "mkdir -p /usr/share/keyrings && curl -fsSL "
                       "https://download.docker.com/linux/debian/gpg | gpg --dearmor -o "
                       "/usr/share/keyrings/docker.gpg && gpg --dearmor -o "
                       "/usr/share/keyrings/docker.gpg < /dev/null")
    assert result.exit_code == 2
    node = tree.nodes["/usr/share/keyrings/docker.gpg"]
    assert node.content is not None and node.content.read()[:4] == b"\x99\x01\x0d\x04"


# -- archives ----------------------------------------------------------------------------------

def test_tar_options_used_in_the_wild() -> None:
    tree = debian()
    result = run(tree, "cd /tmp && curl -fsSL -o r.tgz https://github.com/redis/redis/archive/"
                       "refs/tags/7.4.1.tar.gz && mkdir -p /usr/src/redis && tar -xzf r.tgz -C "
                       "/usr/src/redis --strip-components=1 && ls /usr/src/redis && "
                       "mkdir /opt && tar --extract --file r.tgz --directory /opt "
                       "redis-7.4.1/src && "
                       "find /opt -type f && tar -tzf r.tgz redis-7.4.1/README")
    assert result.stdout.decode() == (
        "CMakeLists.txt\nLICENSE\nMakefile.in\nREADME\nconfigure\nsrc\n"
        "/opt/redis-7.4.1/src/main.c\nredis-7.4.1/README\n")
    assert tree.nodes["/usr/src/redis/configure"].uid == 1000  # root keeps the owners


@pytest.mark.parametrize(("script", "status", "stderr"), [
    ("tar -xf /nope.tar", 2, "tar: /nope.tar: Cannot open: No such file or directory\n"
                             "tar: Error is not recoverable: exiting now\n"),
    ("echo hi > /t && tar -xf /t", 2, "tar: This does not look like a tar archive\n"
                                      "tar: Exiting with failure status due to previous errors\n"),
    ("tar -xf /x.tar -C /nope", 2, "tar: /nope: Cannot open: No such file or directory\n"
                                   "tar: Error is not recoverable: exiting now\n"),
])
def test_gnu_tar_failures(script: str, status: int, stderr: str) -> None:
    result = run(debian(), script)
    assert (result.exit_code, result.stderr.decode()) == (status, stderr)


def test_xz_bzip2_and_unzip_round_trips() -> None:
    tree = debian()
    result = run(tree, "cd /tmp && echo payload > a && xz a && ls && unxz a.xz && cat a && "
                       "bzip2 -k a && bzip2 -dc a.bz2 && xz -dc a 2>&1; echo $?")
    assert result.stdout == b"a.xz\npayload\npayload\nxz: a: File format not recognized\n1\n"
    result = run(tree, "cd /tmp && curl -fsSLO https://releases.hashicorp.com/terraform/1.9.0/"
                       "terraform_1.9.0_linux_amd64.zip && unzip -q terraform_1.9.0_linux_amd64.zip"
                       " -d /opt && find /opt -type f")
    assert result.stdout == b"/opt/terraform_1.9.0_linux_amd64/LICENSE\n" \
                            b"/opt/terraform_1.9.0_linux_amd64/README.md\n" \
                            b"/opt/terraform_1.9.0_linux_amd64/bin/terraform\n"
    assert run(tree, "unzip /nope.zip").exit_code == 9


def test_alpine_node_install_step() -> None:
    tree = alpine()
    arch, openssl = "x64", "linux-x86_64"
    url = (f"https://unofficial-builds.nodejs.org/download/release/v22.12.0/"
           f"node-v22.12.0-linux-{arch}-musl.tar.xz")
    result = run(tree, f"""addgroup -g 1000 node \\
  && adduser -u 1000 -G node -s /bin/sh -D node \\
  && set -eu \\
  && curl -fsSLO --compressed "{url}" \\
  && echo "0b1b1d3b0d6e1e2c0f3a0e0ef6c4c1f9b6a0a7d3c4e5f60718293a4b5c6d7e8f  node-v22.12.0-linux-{arch}-musl.tar.xz" | sha256sum -c - \\
  && tar -xJf "node-v22.12.0-linux-{arch}-musl.tar.xz" -C /usr/local --strip-components=1 --no-same-owner \\
  && ln -s /usr/local/bin/node /usr/local/bin/nodejs \\
  && rm -f "node-v22.12.0-linux-{arch}-musl.tar.xz" \\
  && find /usr/local/include/node/openssl/archs -mindepth 1 -maxdepth 1 ! -name "{openssl}" -exec rm -rf {{}} \\; \\
  && node --version && npm --version""", epoch=LATER)  # noqa: E501
    assert result.exit_code == 0, result.stderr.decode()
    assert result.stdout.decode().startswith(f"node-v22.12.0-linux-{arch}-musl.tar.xz: OK\n")
    assert sorted(tree.listdir("/usr/local/include/node/openssl/archs")) == [openssl]
    assert "node:x:1000:1000:Linux User,,,:/home/node:/bin/sh" in text(tree, "/etc/passwd")


def test_gpgv_with_a_keyring_file() -> None:
    tree = debian()
    base = "https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz"
    result = run(tree, f"cd /tmp && curl -fsSLO {base} && curl -fsSLO {base}.sig && "
                       "curl -fsSL https://ftp.gnu.org/gnu/gnu-keyring.gpg -o k.gpg && "
                       "GNUPGHOME=/tmp/g gpg --batch --no-default-keyring --keyring /tmp/ring.kbx"
                       " --import k.gpg && gpgv --keyring /tmp/ring.kbx hello-2.12.tar.gz.sig "
                       "hello-2.12.tar.gz")
    assert result.exit_code == 0, result.stderr.decode()
    assert 'gpgv: Good signature from "Release Signing Key' in result.stderr.decode()


def test_ignore_missing_checks_only_what_was_downloaded() -> None:
    tree = debian()
    result = run(tree, "cd /tmp && curl -fsSLO https://dl.acme.org/v1/acme-linux-amd64.tar.gz && "
                       "curl -fsSLO https://dl.acme.org/v1/SHA256SUMS && echo '0000000000000000000"
                       "000000000000000000000000000000000000000000000  acme-darwin.tgz' >> "
                       "SHA256SUMS && sha256sum -c --ignore-missing SHA256SUMS && "
                       "rm acme-linux-amd64.tar.gz && sha256sum -c --ignore-missing SHA256SUMS")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, b"acme-linux-amd64.tar.gz: OK\n", b"sha256sum: SHA256SUMS: no file was verified\n")


def test_tar_exclude_patterns() -> None:
    result = run(debian(), "cd /tmp && curl -fsSL -o r.tgz https://github.com/redis/redis/archive/"
                           "refs/tags/7.4.1.tar.gz && tar -xzf r.tgz --exclude '*.in' "
                           "--exclude=src && find redis-7.4.1")
    assert result.stdout == (b"redis-7.4.1\nredis-7.4.1/CMakeLists.txt\nredis-7.4.1/LICENSE\n"
                             b"redis-7.4.1/README\nredis-7.4.1/configure\n")


def test_wget_bundled_options_pipe_a_script_to_sh() -> None:
    result = run(alpine(), "wget -qO- https://get.acme.dev/install.sh | sh && cd /tmp && "
                           "wget -qO tool.tgz https://dl.acme.dev/tool-1.0.tar.gz && ls")
    assert result.stdout == (b"install.sh: simulated download of https://get.acme.dev/"
                             b"install.sh: nothing to install\ntool.tgz\n")


def test_github_release_api_names_a_downloadable_asset() -> None:
    result = run(debian(), 'V=$(curl -fsSL https://api.github.com/repos/acme/tool/releases/latest'
                           ' | grep "\\"tag_name\\"" | cut -d\\" -f4) && echo $V && cd /tmp && '
                           "curl -fsSLO https://github.com/acme/tool/releases/download/$V/"
                           "tool-$V-linux-amd64.tar.gz && tar -tzf tool-$V-linux-amd64.tar.gz "
                           "tool-v1.0.0-linux-amd64/bin/tool")
    assert result.stdout == b"v1.0.0\ntool-v1.0.0-linux-amd64/bin/tool\n"
