"""Links into the room: a student's page and websocket carry a key only the server can make,
so they open only for someone who came through the start page (and gave the room's password,
when it has one); a link cannot be made up from a slug.

The key is an HMAC of the student's slug under a secret kept in the class directory, so links
stay valid across server restarts (a "resume" link works the next morning) and no table of
issued keys has to be stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from tutor.engine.statefile import atomic_write

SECRET_FILE = "serve-secret"


class StudentKeys:
    def __init__(self, class_folder: Path) -> None:
        self._secret = _load_or_make_secret(class_folder / SECRET_FILE)

    def key_for(self, slug: str) -> str:
        return hmac.new(self._secret, slug.encode(), hashlib.sha256).hexdigest()[:32]

    def valid(self, slug: str, key: str) -> bool:
        return hmac.compare_digest(self.key_for(slug), key)


def _load_or_make_secret(path: Path) -> bytes:
    try:
        secret = path.read_bytes()
    except FileNotFoundError:
        secret = b""
    if len(secret) >= 32:
        return secret
    atomic_write(path, secrets.token_bytes(32))
    os.chmod(path, 0o600)
    return path.read_bytes()


def password_ok(expected: str | None, given: str) -> bool:
    """Whether the room's password (None: the room has none) was given."""
    if expected is None:
        return True
    return hmac.compare_digest(expected.encode(), given.encode())
