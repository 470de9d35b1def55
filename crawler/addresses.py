"""Which addresses a crawl may connect to. Following links from pages on the open web
must never reach the crawler's own machine or network (SSRF): loopback, private,
link-local (cloud metadata at 169.254.169.254), multicast, reserved and unspecified
addresses are refused unless the watch allows them (the offline newsroom does)."""

from __future__ import annotations

import ipaddress

from twisted.internet.error import DNSLookupError


class BlockedAddress(DNSLookupError):
    """A host that is, or resolves to, an address the crawl may not reach."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}, a non-public address")
        self.address = address


# IPv6 ranges that carry an IPv4 address in their last 32 bits: a host there is
# reached at that IPv4 address (NAT64, RFC 6052), so it is judged by it.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# IPv6 ranges that are never a public host: IPv4-compatible (deprecated, ::a.b.c.d),
# SIIT's IPv4-translated (RFC 2765), local-use NAT64 (RFC 8215, any position).
NEVER_PUBLIC_V6 = (
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast IP address; False for anything else,
    including text that is not an IP address. An IPv6 address that embeds an IPv4 one
    (mapped, 6to4, NAT64) is judged by the IPv4 address it leads to."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in NEVER_PUBLIC_V6):
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded  # ::ffff:127.0.0.1 and 2002:7f00:1:: are loopback too
    return ip.is_global and not ip.is_multicast


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
