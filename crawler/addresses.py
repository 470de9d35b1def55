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


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast IP address; False for anything else,
    including text that is not an IP address."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
