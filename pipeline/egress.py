"""Which URLs the service may contact on a user's say-so, and contacting only those.

A dossier's ``callback_url`` is typed by a clerk, and the worker POSTs to it
from inside the deployment's network: without a check, a clerk could make it
post to the broker (``127.0.0.1:6379``), the API's own admin routes, a cloud
metadata service (``169.254.169.254``) or any other machine of the local
network. So a URL is contacted only when

- its scheme is http or https, it has no user name or password, and its host is
  a DNS name, a dotted-quad IPv4 address or a bracketed IPv6 address; the other
  spellings resolvers take for IPv4 (``0x7f000001``, ``2130706433``,
  ``0177.0.0.1``, ``127.1``) are refused, since no real receiver needs them and
  parsers disagree about what they mean;
- every address the host resolves to is a public one: not loopback,
  private, link-local, shared (100.64/10), unspecified, multicast or reserved,
  nor an IPv6 form wrapping such an IPv4 address (mapped, compatible, 6to4,
  NAT64) — unless an administrator allowed it (``SOHOA_WEBHOOK_ALLOW``, for an
  on-premises receiver).

Checking a name and then letting the HTTP client resolve it again would leave a
gap (DNS rebinding: public when checked, ``127.0.0.1`` when connected), so
:func:`post` connects to the very addresses :func:`check_url` judged, with the
original host name in ``Host`` and in TLS's SNI and certificate check, and never
follows a redirect.

The resolver is a parameter: the system's by default; tests pass a table to
model a name whose answer changes.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx

from core.hosts import AllowList, IPAddress
from core.hosts import ascii_name as _ascii_name

Resolver = Callable[[str, int], Sequence[IPAddress]]

REFUSED_CODE = "callback_url_not_allowed"
"""The API's error code for a URL refused here (stable: clients branch on it)."""

DEFAULT_PORTS = {"http": 80, "https": 443}

SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
"""RFC 6598, carrier-grade NAT: inside some provider's network, never a receiver's."""
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
"""RFC 6052: the last 32 bits are an IPv4 address reached through a NAT64 gateway."""
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
"""RFC 4291's deprecated IPv4-compatible form (``::127.0.0.1``)."""
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
"""RFC 2765's IPv4-translated form (``::ffff:0:127.0.0.1``)."""


class EgressRefused(ValueError):
    """The URL must not be contacted; ``reason`` says why, for the clerk and the log."""

    code = REFUSED_CODE

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url!r} is not allowed: {reason}")
        self.url, self.reason = url, reason


class HostUnresolvable(OSError):
    """The host name has no address now: nothing to judge, maybe a passing DNS outage."""


@dataclass(frozen=True)
class Target:
    """A URL judged contactable, with the addresses it may be reached at (in order)."""

    scheme: str
    host: str
    """As sent in ``Host`` and SNI: an ASCII (IDNA) name, or an IP address."""
    port: int
    path: str
    """Path and query, as given (never empty: ``/``)."""
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    def url_at(self, address: IPAddress) -> str:
        """The URL with the host replaced by one checked address: where to connect."""
        literal = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"


# ------------------------------------------------------------------ addresses


def address_refusal(address: IPAddress) -> str | None:
    """Why this address must not be contacted ("a loopback address"), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _wrapped(address.ipv4_mapped, "IPv4-mapped")
        if address in NAT64_WELL_KNOWN:
            return _wrapped(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "NAT64")
        for embedded, form in (
            (address.sixtofour, "6to4"),
            (_low_ipv4(address, IPV4_COMPATIBLE), "IPv4-compatible"),
            (_low_ipv4(address, IPV4_TRANSLATED), "IPv4-translated"),
            *((client, "Teredo") for client in (address.teredo or ())[1:]),
        ):
            if embedded is not None and (reason := _wrapped(embedded, form)):
                return reason
    return _own_refusal(address)


def _low_ipv4(address: ipaddress.IPv6Address, network: ipaddress.IPv6Network) -> IPAddress | None:
    # :: and ::1 lie in ::/96 too; they are judged as themselves.
    if address in network and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _wrapped(embedded: IPAddress, form: str) -> str | None:
    reason = _own_refusal(embedded)
    return f"{reason} ({form} form of {embedded})" if reason else None


def _own_refusal(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.version == 4 and address in SHARED_ADDRESS_SPACE:
        return "in the shared address space (carrier-grade NAT)"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if not address.is_global:
        return "not a globally routable address"
    return None


# ------------------------------------------------------------------ URLs


@dataclass(frozen=True)
class _Parsed:
    scheme: str
    host: str
    port: int
    path: str
    literal: IPAddress | None


def _parse(url: str) -> _Parsed:
    """The URL's parts, parsed strictly; raises EgressRefused on anything unusual."""
    if not url.isprintable() or any(c.isspace() or c == "\\" for c in url):
        # Parsers differ on these (WHATWG reads "\" as "/"): refuse rather than guess.
        raise EgressRefused(url, "whitespace, backslash or control character in the URL")
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:  # e.g. a bracketed host that is not IPv6
        raise EgressRefused(url, f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise EgressRefused(url, "only http:// and https:// URLs are allowed")
    if "@" in parts.netloc:
        raise EgressRefused(url, "a user name or password in the URL is not allowed")
    try:
        port = DEFAULT_PORTS[scheme] if parts.port is None else parts.port
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise EgressRefused(url, "the port is not a number from 1 to 65535")
    host = parts.hostname or ""
    if not host:
        raise EgressRefused(url, "the URL has no host")
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    if parts.netloc.startswith("["):
        if "%" in host:
            raise EgressRefused(url, "an IPv6 zone index is not allowed")
        try:
            literal: IPAddress = ipaddress.IPv6Address(host)
        except ValueError:
            raise EgressRefused(url, "the bracketed host is not an IPv6 address") from None
        return _Parsed(scheme, str(literal), port, path, literal)
    try:
        literal = ipaddress.IPv4Address(host)  # four decimal parts, no leading zeros
        return _Parsed(scheme, str(literal), port, path, literal)
    except ValueError:
        pass
    try:
        name = _ascii_name(host)
    except ValueError as exc:
        raise EgressRefused(url, str(exc)) from None
    return _Parsed(scheme, name, port, path, None)


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The addresses the operating system gives for ``host``, in its order of preference."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostUnresolvable(f"{host}: {exc}") from None
    return [ipaddress.ip_address(str(sockaddr[0]).split("%")[0]) for *_, sockaddr in answers]


def check_url(url: str, allow: AllowList, resolve: Resolver = system_resolver) -> Target:
    """The URL as a :class:`Target` to connect to, or EgressRefused.

    Every address of the host is judged, not just the first: a name answering
    both a public and an internal address would otherwise reach the internal
    one whenever the client tried it. Raises HostUnresolvable when the name
    has no address.
    """
    parsed = _parse(url)
    if parsed.literal is not None:
        addresses = [parsed.literal]
    else:
        addresses = list(dict.fromkeys(resolve(parsed.host, parsed.port)))
        if not addresses:
            raise HostUnresolvable(f"{parsed.host}: no address")
    for address in addresses:
        if allow.allows(parsed.host, address, parsed.port):
            continue
        reason = address_refusal(address)
        if reason is not None:
            shown = parsed.host if parsed.literal is not None else f"{parsed.host} → {address}"
            raise EgressRefused(url, f"{shown} is {reason}")
    return Target(parsed.scheme, parsed.host, parsed.port, parsed.path, tuple(addresses))


def post(
    target: Target,
    content: bytes,
    headers: Mapping[str, str],
    timeout: float,
    verify: ssl.SSLContext | bool = True,
) -> httpx.Response:
    """POST to the target's checked addresses, first one that connects; no redirects.

    The response is closed unread (only its status matters), so a receiver
    cannot make the worker hold a large body. Proxies from the environment are
    ignored: the connection goes to the address that was checked.
    """
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    last_error: httpx.ConnectError | None = None
    with httpx.Client(
        trust_env=False, follow_redirects=False, timeout=timeout, verify=verify
    ) as client:
        for address in target.addresses:
            request = client.build_request(
                "POST",
                target.url_at(address),
                content=content,
                headers={**headers, "Host": target.host_header},
                extensions=extensions,
            )
            try:
                response = client.send(request, stream=True)
            except httpx.ConnectError as exc:
                last_error = exc  # try the host's next address, as a client would
                continue
            response.close()
            return response
    assert last_error is not None  # a Target has at least one address
    raise last_error
