"""The address students type: the instructor's machine as seen from the room's network."""

from __future__ import annotations

import contextlib
import ipaddress
import socket

_WILDCARDS = ("", "0.0.0.0", "::")


def _outward_address() -> str | None:
    """The address of the interface the default route leaves by. Connecting a UDP socket sends
    nothing; it only makes the kernel choose the interface (a documentation address, so no
    real host is named)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        address: str = probe.getsockname()[0]
        if not ipaddress.ip_address(address).is_unspecified:
            return address
    return None


def _host_address() -> str | None:
    """A non-loopback address the host name resolves to (a machine on a LAN with no route)."""
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if not ipaddress.ip_address(address).is_loopback:
                return address
    return None


def public_host(bind: str) -> str:
    """The host part of the URL to print for a server bound to `bind`."""
    if bind not in _WILDCARDS:
        return bind
    return _outward_address() or _host_address() or "127.0.0.1"


def public_url(bind: str, port: int) -> str:
    host = public_host(bind)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}/" if port == 80 else f"http://{host}:{port}/"
