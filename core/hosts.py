"""Host names, IP addresses and the webhook allow list: parsing only, no network.

Kept apart from ``pipeline.egress`` (which connects) so that the settings can
check ``SOHOA_WEBHOOK_ALLOW`` when they are read without importing the pipeline.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

import idna

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_HOST_LENGTH = 253  # RFC 1035: longest domain name in text form
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
"""One DNS label, lower case ASCII; ``_`` is tolerated (seen in internal names)."""
_HEX_LABEL = re.compile(r"0x[0-9a-f]*")


@dataclass(frozen=True)
class AllowList:
    """Receivers an administrator allowed although their addresses are internal.

    Parsed from ``SOHOA_WEBHOOK_ALLOW``: comma-separated entries, each a host
    name, an IP address or a CIDR network, a name or address optionally with
    ``:port`` (``[v6]:port`` for IPv6) so that allowing a receiver does not also
    allow the other services on its machine. A name is trusted with whatever it
    resolves to; an address or network is the stricter choice.
    """

    networks: tuple[tuple[IPNetwork, int | None], ...] = ()
    hosts: tuple[tuple[str, int | None], ...] = ()
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> AllowList:
        networks: list[tuple[IPNetwork, int | None]] = []
        hosts: list[tuple[str, int | None]] = []
        for raw in text.split(","):
            entry = raw.strip()
            if not entry:
                continue
            try:
                if "/" in entry:
                    networks.append((ipaddress.ip_network(entry, strict=False), None))
                    continue
                host, port = _split_entry(entry)
                try:
                    networks.append((ipaddress.ip_network(host), port))
                except ValueError:
                    hosts.append((ascii_name(host), port))
            except ValueError as exc:
                raise ValueError(f"webhook allow-list entry {entry!r}: {exc}") from None
        return cls(tuple(networks), tuple(hosts), text)

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        if any(h == host and p in (None, port) for h, p in self.hosts):
            return True
        return any(address in n and p in (None, port) for n, p in self.networks)


def _split_entry(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        found = re.fullmatch(r"\[([^\]]+)\](?::(\d{1,5}))?", entry)
        if not found:
            raise ValueError("expected [IPv6] or [IPv6]:port")
        return found.group(1), _port(found.group(2))
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, _port(port)
    return entry, None  # a name, an IPv4 address or a bare IPv6 address


def _port(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"port {text!r} is not 1-65535")
    return int(text)


def ascii_name(host: str) -> str:
    """A host name in lower-case ASCII (IDNA), or ValueError when it is not one.

    A name whose last label is a number (``127.1``, ``2130706433``,
    ``0x7f000001``) is what the WHATWG URL standard and ``inet_aton`` read as an
    IPv4 address: refused, since it is not a name and not a plain address.
    """
    name = host.lower().removesuffix(".")
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(f"the host is not a valid international name ({exc})") from None
    labels = name.split(".")
    if len(name) > MAX_HOST_LENGTH or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError("the host is not a valid name or IP address")
    if labels[-1].isdigit() or _HEX_LABEL.fullmatch(labels[-1]):
        raise ValueError("a numeric host must be a dotted-quad IPv4 or a bracketed IPv6 address")
    return name
