"""`gpg`, `gpgv` and `gpgconf` as official Dockerfiles use them to check what they download.

There is no keyserver and no real cryptography. The simulated keyserver hands out a key for any
well-formed key ID or fingerprint (`--recv-keys`); `--import` takes the armored key blocks the
simulated web serves. A signature served by the simulated web (`X.asc`, `X.sig`) is good for
exactly the simulated download of X, made by one of the keys in the keyring; any other data gives
"BAD signature", and an empty keyring "No public key", as real gpg does. A clear-signed checksum
list (`SHASUMS256.txt.asc`) carries the hash of its text, so `--decrypt` and `--verify` notice an
edited list. The keyring is `$GNUPGHOME/pubring.kbx` (default `~/.gnupg`), a small file that lists
the imported keys, so `rm -rf "$GNUPGHOME"` cleans up as it does for real.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import posixpath
import re
import time
from dataclasses import dataclass

from tutor.engine.fs import FsError, Node
from tutor.engine.sh import downloads
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import now_of, read_bytes, write_bytes

_KBX_HEAD = b"\x00\x00\x00\x20\x01\x01\x00\x00KBXf\x00\x00\x00\x00"
_SIGNED_AT = downloads.EPOCH


@dataclass(frozen=True)
class Key:
    fingerprint: str
    uid: str

    @property
    def keyid(self) -> str:
        return self.fingerprint[-16:]


def _uid(fingerprint: str) -> str:
    return f"Release Signing Key {fingerprint[-8:]} (simulated keyserver)"


def _home(proc: Process) -> str:
    home = proc.env.get("GNUPGHOME") or posixpath.join(proc.env.get("HOME", "/root"), ".gnupg")
    return posixpath.normpath(posixpath.join(proc.cwd, home))


def _keys(proc: Process, ring: str) -> list[Key]:
    try:
        data = read_bytes(proc, ring)
    except FsError:
        return []
    if not data.startswith(_KBX_HEAD):
        return []
    try:
        rows = json.loads(data[len(_KBX_HEAD):].decode())
    except ValueError:
        return []
    return [Key(str(r["fingerprint"]), str(r["uid"])) for r in rows if isinstance(r, dict)]


def _save_keys(proc: Process, ring: str, keys: list[Key]) -> None:
    rows = [{"fingerprint": k.fingerprint, "uid": k.uid} for k in keys]
    write_bytes(proc, ring, _KBX_HEAD + json.dumps(rows).encode())


class _Gpg:
    def __init__(self, proc: Process, name: str) -> None:
        self.proc = proc
        self.name = name
        self.home = _home(proc)
        self.keyrings: list[str] = []
        self.quiet = False
        self.yes = False

    def say(self, text: str) -> None:
        self.proc.err(f"{self.name}: {text}\n")

    @property
    def ring(self) -> str:
        return self.keyrings[0] if self.keyrings else posixpath.join(self.home, "pubring.kbx")

    def ensure_home(self) -> bool:
        fs = self.proc.fs
        real = fs.resolve(self.home)
        node = fs.get(real)
        if node is None:
            parent = fs.get(posixpath.dirname(real))
            if parent is None:
                self.say(f"keyblock resource '{self.ring}': No such file or directory")
                return False
            fs.put(real, Node("dir", 0o700, self.proc.uid, self.proc.gid, now_of(self.proc)))
            self.say(f"directory '{self.home}' created")
        if fs.get(fs.resolve(self.ring)) is None:
            _save_keys(self.proc, self.ring, [])
            self.say(f"keybox '{self.ring}' created")
        return True

    def all_keys(self) -> list[Key]:
        keys: list[Key] = []
        for ring in self.keyrings or [self.ring]:
            keys.extend(_keys(self.proc, ring))
        return keys

    def add_keys(self, new: list[Key]) -> int:
        if not self.ensure_home():
            return 2
        keys = _keys(self.proc, self.ring)
        trustdb = posixpath.join(self.home, "trustdb.gpg")
        imported = unchanged = 0
        fresh = [k for k in new if not any(k.fingerprint == old.fingerprint for old in keys)]
        if fresh and self.proc.fs.get(self.proc.fs.resolve(trustdb)) is None:
            write_bytes(self.proc, trustdb, b"\x01gpg\x03\x01\x01\x07\x00\x00\x00\x00")
            self.say(f"{trustdb}: trustdb created")
        for key in new:
            if any(k.fingerprint == key.fingerprint for k in keys):
                self.say(f'key {key.keyid}: "{key.uid}" not changed')
                unchanged += 1
                continue
            keys.append(key)
            self.say(f'key {key.keyid}: public key "{key.uid}" imported')
            imported += 1
        _save_keys(self.proc, self.ring, keys)
        self.say(f"Total number processed: {len(new)}")
        if imported:
            self.say(f"              imported: {imported}")
        if unchanged:
            self.say(f"             unchanged: {unchanged}")
        return 0

    # -- keys ----------------------------------------------------------------------------------
    def recv_keys(self, ids: list[str]) -> int:
        keys: list[Key] = []
        status = 0
        for raw in ids:
            kid = raw.upper().removeprefix("0X").replace(" ", "")
            if not re.fullmatch(r"[0-9A-F]{8}|[0-9A-F]{16}|[0-9A-F]{40}", kid):
                self.say(f'"{raw}" not a key ID: skipping')
                status = 2
                continue
            fingerprint = kid if len(kid) == 40 else (
                hashlib.sha1(kid.encode()).hexdigest().upper()[: 40 - len(kid)] + kid)
            keys.append(Key(fingerprint, _uid(fingerprint)))
            self.proc.spend(0.4)
        if not keys:
            if status == 0:
                self.say("keyserver receive failed: No data")
            return 2
        return self.add_keys(keys) or status

    def import_keys(self, names: list[str]) -> int:
        keys: list[Key] = []
        for name in names or ["-"]:
            try:
                data = read_bytes(self.proc, name)
            except FsError as e:
                self.say(f"can't open '{name}': {e.strerror}")
                continue
            for block in re.findall(rb"-----BEGIN PGP PUBLIC KEY BLOCK-----.*?-----END PGP "
                                    rb"PUBLIC KEY BLOCK-----", data, re.S):
                url = downloads.marked_url(block + b"\n")
                fingerprint = downloads.key_fingerprint(url) if url else hashlib.sha1(
                    block).hexdigest().upper()
                keys.append(Key(fingerprint, _uid(fingerprint)))
            if not data.startswith(b"-----BEGIN") and data[:1] in (b"\x99", b"\x98", b"\xc6"):
                fingerprint = hashlib.sha1(data).hexdigest().upper()
                keys.append(Key(fingerprint, _uid(fingerprint)))
        if not keys:
            self.say("no valid OpenPGP data found.")
            self.say("Total number processed: 0")
            return 2
        return self.add_keys(keys)

    def list_keys(self) -> int:
        keys = self.all_keys()
        if not keys:
            return 0
        shown = self.ring
        self.proc.out(f"{shown}\n{'-' * len(shown)}\n")
        day = time.strftime("%Y-%m-%d", time.gmtime(_SIGNED_AT))
        for key in keys:
            self.proc.out(f"pub   rsa4096 {day} [SC]\n      {key.fingerprint}\n"
                          f"uid           [ unknown] {key.uid}\n\n")
        return 0

    # -- signatures ----------------------------------------------------------------------------
    def signer(self, target: str) -> Key | None:
        keys = self.all_keys()
        if not keys:
            return None
        return keys[int(hashlib.sha256(target.encode()).hexdigest(), 16) % len(keys)]

    def report(self, target: str, good: bool) -> int:
        stamp = time.strftime("%a %b %e %H:%M:%S %Y UTC", time.gmtime(_SIGNED_AT))
        key = self.signer(target)
        fallback = hashlib.sha1(target.encode()).hexdigest().upper()
        self.say(f"Signature made {stamp}")
        self.say(f"               using RSA key {key.fingerprint if key else fallback}")
        if key is None:
            self.say("Can't check signature: No public key")
            return 2
        if not good:
            self.say(f'BAD signature from "{key.uid}" [unknown]')
            return 1
        if self.name == "gpgv":
            self.say(f'Good signature from "{key.uid}"')
            return 0
        self.say(f'Good signature from "{key.uid}" [unknown]')
        self.say("WARNING: This key is not certified with a trusted signature!")
        self.say("         There is no indication that the signature belongs to the owner.")
        fp = key.fingerprint
        groups = " ".join(fp[i:i + 4] for i in range(0, 20, 4)) + "  " + " ".join(
            fp[i:i + 4] for i in range(20, 40, 4))
        self.proc.err(f"Primary key fingerprint: {groups}\n")
        return 0

    def no_data(self) -> int:
        self.say("no valid OpenPGP data found.")
        self.say("the signature could not be verified.")
        self.proc.err("Please remember that the signature file (.sig or .asc)\n"
                      "should be the first file given on the command line.\n")
        return 2

    def verify(self, args: list[str]) -> int:
        if not args:
            args = ["-"]
        sig_name = args[0]
        try:
            sig = read_bytes(self.proc, sig_name)
        except FsError as e:
            self.say(f"can't open '{sig_name}': {e.strerror}")
            self.say(f"verify signatures failed: {e.strerror}")
            return 2
        text = downloads.clearsigned_text(sig)
        if text is not None:
            return self.check_clearsigned(sig, text)
        url = downloads.marked_url(sig)
        if not sig.lstrip().startswith(b"-----BEGIN PGP SIGNATURE-----") or url is None:
            return self.no_data()
        target = url.rsplit(".", 1)[0]
        if len(args) > 1:
            data_name = args[1]
        elif sig_name.endswith((".asc", ".sig", ".sign")):
            data_name = sig_name.rsplit(".", 1)[0]
            self.say(f"assuming signed data in '{data_name}'")
        else:
            return self.no_data()
        try:
            data = read_bytes(self.proc, data_name)
        except FsError as e:
            self.say(f"can't open signed data '{data_name}'")
            self.say(f"can't hash datafile: {e.strerror}")
            return 2
        return self.report(target, downloads.is_download(data) == target)

    def check_clearsigned(self, sig: bytes, text: bytes) -> int:
        url = downloads.marked_url(sig[sig.find(b"-----BEGIN PGP SIGNATURE-----"):]) or ""
        return self.report(url.rsplit(".", 1)[0], _signed_hash(sig) == hashlib.sha256(
            text).digest())

    def decrypt(self, args: list[str], output: str | None) -> int:
        name = args[0] if args else "-"
        try:
            data = read_bytes(self.proc, name)
        except FsError as e:
            self.say(f"can't open '{name}': {e.strerror}")
            self.say(f"decrypt_message failed: {e.strerror}")
            return 2
        text = downloads.clearsigned_text(data)
        if text is None:
            if data.lstrip().startswith(b"-----BEGIN PGP MESSAGE-----"):
                self.say("decryption failed: No secret key")
                return 2
            self.say("no valid OpenPGP data found.")
            self.say("decrypt_message failed: Unknown system error")
            return 2
        if output and output != "-":
            write_bytes(self.proc, output, text)
        else:
            self.proc.stdout += text
        return self.check_clearsigned(data, text)

    def dearmor(self, args: list[str], output: str | None) -> int:
        name = args[0] if args else "-"
        try:
            data = read_bytes(self.proc, name)
        except FsError as e:
            self.say(f"can't open '{name}': {e.strerror}")
            return 2
        match = re.search(rb"-----BEGIN PGP [A-Z ]+-----\n(?:[^\n]+\n)*\n(.*?)\n=", data, re.S)
        if match is None:
            self.say("dearmoring failed: Unknown system error")
            return 2
        try:
            raw = base64.b64decode(b"".join(match.group(1).split()))
        except (binascii.Error, ValueError):
            self.say("dearmoring failed: Invalid armor")
            return 2
        if output and output != "-":
            if self.proc.fs.get(self.proc.fs.resolve(output, self.proc.cwd)) is not None and \
                    not self.yes:
                self.say(f"File '{output}' exists. Overwrite? (y/N) ")
                self.say("Sorry, we are in batchmode - can't get input")
                return 2
            write_bytes(self.proc, output, raw)
        else:
            self.proc.stdout += raw
        return 0


def _signed_hash(sig: bytes) -> bytes:
    """The hash of the signed text that a simulated signature carries."""
    block = sig[sig.find(b"-----BEGIN PGP SIGNATURE-----"):]
    match = re.search(rb"\n\n(.*?)\n=", block, re.S)
    if match is None:
        return b""
    try:
        payload = base64.b64decode(b"".join(match.group(1).split()))
    except (binascii.Error, ValueError):
        return b""
    return payload[40:72]


@program("gpg", "gpg2")
def gpg(proc: Process) -> int:
    tool = _Gpg(proc, "gpg")
    args = proc.argv[1:]
    command = ""
    operands: list[str] = []
    output: str | None = None
    i = 0
    while i < len(args):
        a = args[i]
        value_opts = ("--keyserver", "--keyserver-options", "--homedir", "--keyring",
                      "--output", "-o", "--recipient", "-r", "--local-user", "-u",
                      "--trust-model", "--status-fd", "--logger-fd", "--passphrase",
                      "--pinentry-mode", "--default-key", "--digest-algo", "--cipher-algo")
        name, eq, inline = a.partition("=")
        if name in value_opts:
            if not eq:
                i += 1
                inline = args[i] if i < len(args) else ""
            if name == "--homedir":
                tool.home = posixpath.normpath(posixpath.join(proc.cwd, inline))
            elif name == "--keyring":
                tool.keyrings.append(inline if "/" in inline else posixpath.join(tool.home,
                                                                               inline))
            elif name in ("--output", "-o"):
                output = inline
        elif a in ("--recv-keys", "--recv-key", "--receive-keys", "--verify", "--decrypt", "-d",
                   "--import", "--dearmor", "--enarmor", "--list-keys", "-k", "--fingerprint",
                   "--export", "--list-public-keys", "--version", "--check-sigs",
                   "--refresh-keys", "--fetch-keys"):
            command = {"-d": "--decrypt", "-k": "--list-keys", "--recv-key": "--recv-keys",
                       "--receive-keys": "--recv-keys", "--list-public-keys": "--list-keys",
                       "--fingerprint": "--list-keys"}.get(a, a)
        elif a in ("--yes",):
            tool.yes = True
        elif a in ("-q", "--quiet"):
            tool.quiet = True
        elif a.startswith("-") and a != "-":
            pass  # --batch, --no-tty, --armor, --no-default-keyring, --trust-model … : no effect
        else:
            operands.append(a)
        i += 1
    if command == "--version":
        proc.out("gpg (GnuPG) 2.2.40\nlibgcrypt 1.10.1\nCopyright (C) 2022 g10 Code GmbH\n"
                 "License GNU GPL-3.0-or-later <https://gnu.org/licenses/gpl.html>\n"
                 "This is free software: you are free to change and redistribute it.\n"
                 "There is NO WARRANTY, to the extent permitted by law.\n\n"
                 f"Home: {tool.home}\n")
        return 0
    if command == "--recv-keys":
        return tool.recv_keys(operands)
    if command == "--import":
        return tool.import_keys(operands)
    if command == "--verify":
        return tool.verify(operands)
    if command == "--decrypt":
        return tool.decrypt(operands, output)
    if command == "--dearmor":
        return tool.dearmor(operands, output)
    if command == "--list-keys":
        return tool.list_keys()
    if command in ("--export", "--check-sigs", "--refresh-keys", "--fetch-keys", "--enarmor"):
        if command == "--export":
            keys = [k for k in tool.all_keys()
                    if not operands or any(k.fingerprint.endswith(o.upper().removeprefix("0X"))
                                           for o in operands)]
            blob = b"".join(b"\x99\x01\x0d\x04" + bytes.fromhex(k.fingerprint) for k in keys)
            if output and output != "-":
                write_bytes(proc, output, blob)
            else:
                proc.stdout += blob
        return 0
    if operands:
        # gpg with only a file guesses what to do; for a signature that is verifying it.
        return tool.verify(operands)
    tool.say("Go ahead and type your message ...")
    return 2


@program("gpgv")
def gpgv(proc: Process) -> int:
    tool = _Gpg(proc, "gpgv")
    args = proc.argv[1:]
    operands: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--keyring", "--homedir", "--status-fd", "--logger-fd", "-o", "--output"):
            i += 1
            if a == "--keyring" and i < len(args):
                ring = args[i]
                tool.keyrings.append(ring if "/" in ring else posixpath.join(tool.home, ring))
        elif a.startswith("--keyring="):
            tool.keyrings.append(a.split("=", 1)[1])
        elif not a.startswith("-") or a == "-":
            operands.append(a)
        i += 1
    if not tool.keyrings:
        tool.keyrings.append(posixpath.join(tool.home, "trustedkeys.kbx"))
        if not _keys(proc, tool.keyrings[0]):
            tool.say(f"keyblock resource '{tool.keyrings[0]}': No such file or directory")
    return tool.verify(operands)


@program("gpgconf")
def gpgconf(proc: Process) -> int:
    args = proc.argv[1:]
    if not args:
        proc.err("gpgconf: no command given\n")
        return 2
    if args[0] in ("--kill", "--launch", "--reload"):
        return 0  # no agent or dirmngr ever runs in the simulation: nothing to stop
    if args[0] == "--list-dirs":
        home = _home(proc)
        proc.out(f"sysconfdir:/etc/gnupg\nbindir:/usr/bin\nlibexecdir:/usr/lib/gnupg\n"
                 f"datadir:/usr/share/gnupg\nhomedir:{home}\n")
        return 0
    if args[0] == "--version":
        proc.out("gpgconf (GnuPG) 2.2.40\n")
        return 0
    proc.err(f"gpgconf: invalid option \"{args[0]}\"\n")
    return 2
