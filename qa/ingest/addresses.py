"""Which network addresses a page may be fetched from, and connections made only to an address that was checked.

"Add by URL" runs on the server, so a URL names whatever the server can reach: its own loopback services, the
private network it sits in, a cloud metadata address. By default only public (globally routable, unicast)
addresses are fetched; a user who means to add pages from an intranet names those networks explicitly
(`--allow-network`, or $QA_FETCH_ALLOW). The rules are the standard `ipaddress` module's, applied to every address
a name resolves to, on every connection (so on every redirect hop), and the socket then connects to exactly the
address that was checked: there is no second lookup for a DNS-rebinding server to answer differently.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.request
from collections.abc import Iterable
from functools import partial

from ..errors import AddressNotAllowed, UsageError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address
# IANA's "not globally reachable" blocks that Python 3.11's tables still count as global (newer ones fixed them)
NOT_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"),)
REFUSED = ("it leads to an address on a local or private network; to add pages from your own network, allow "
           "it with --allow-network (or $QA_FETCH_ALLOW)")


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Networks from '10.0.0.0/8', '127.0.0.1', '::1' or 'fd00::/8' (each value may hold several, comma-separated)."""
    out: list[Network] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise UsageError(f"--allow-network {part}: not a network or address "
                                 "(write it like 10.0.0.0/8, 127.0.0.1 or ::1)") from None
    return tuple(out)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for or carries (mapped, 6to4, Teredo, NAT64, IPv4-compatible)."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d, the deprecated IPv4-compatible form
        return ipaddress.IPv4Address(int(ip))
    return None


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast: not loopback, private, link-local, shared, reserved, unspecified or multicast."""
    inner = embedded_ipv4(ip)
    if inner is not None and not is_public(inner):
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d, judged above
        return True
    return ip.is_global and not ip.is_multicast and not any(ip in net for net in NOT_GLOBAL if ip.version == net.version)


def is_allowed(ip: IPAddress, allow: tuple[Network, ...] = ()) -> bool:
    """Public, or inside a network the user allowed (an IPv4-mapped address counts as its IPv4 address)."""
    candidates = [ip] + ([ip.ipv4_mapped] if ip.version == 6 and ip.ipv4_mapped is not None else [])
    if any(c in net for c in candidates for net in allow if c.version == net.version):
        return True
    return is_public(ip)


def checked_addresses(host: str, port: int, allow: tuple[Network, ...] = ()) -> list[tuple]:
    """getaddrinfo's answers for (host, port), or AddressNotAllowed when any of them is not allowed.

    Every answer must pass, not just the first: a name that resolves to a public and a private address would
    otherwise reach the private one whenever the public one does not answer."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # a zone index (fe80::1%eth0) is no address
        if not is_allowed(address, allow):
            raise AddressNotAllowed(REFUSED)
    return infos


def connect_checked(address: tuple[str, int], timeout: object = None, source_address=None, *,
                    allow: tuple[Network, ...] = ()) -> socket.socket:
    """A connected socket to one of the checked addresses of (host, port): socket.create_connection's contract."""
    host, port = address
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in checked_addresses(host, port, allow):
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, (int, float)):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError(f"no address for {host}")


class CheckedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection whose socket goes only to a checked address."""

    def __init__(self, *args, allow: tuple[Network, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # http.client opens every socket through this attribute (HTTPS wraps it in TLS afterwards, with the
        # host *name* for SNI and certificate checks), so replacing it checks plain and TLS connections alike
        self._create_connection = partial(connect_checked, allow=allow)


class CheckedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection whose socket goes only to a checked address; TLS still verifies the host name."""

    def __init__(self, *args, allow: tuple[Network, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = partial(connect_checked, allow=allow)


class CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow: tuple[Network, ...]):
        super().__init__()
        self.allow = allow

    def http_open(self, req):
        return self.do_open(partial(CheckedHTTPConnection, allow=self.allow), req)


class CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow: tuple[Network, ...]):
        super().__init__()
        self.allow = allow
        self.context = ssl.create_default_context()

    def https_open(self, req):
        return self.do_open(partial(CheckedHTTPSConnection, allow=self.allow), req, context=self.context)


def checked_opener(allow: tuple[Network, ...], *handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """A urllib opener that connects only to allowed addresses, on the first request and on every redirect.

    No proxy is used: through a proxy the server would connect to the proxy's address, not the checked one."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), CheckedHTTPHandler(allow),
                                       CheckedHTTPSHandler(allow), *handlers)
