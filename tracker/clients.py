"""Who is asking: the client's address, trusting X-Forwarded-For only from the proxies the settings name.

Throttles count per address. A client may put anything in X-Forwarded-For, so
the header counts only when the connection itself comes from a trusted proxy
(FACTDESK_TRUSTED_PROXIES, empty by default); then the address is the last one
in the header that is not a trusted proxy (proxies append on the right).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> list[Network]:
    """Parse a comma-separated list of addresses or CIDR networks; raise ValueError naming a bad one."""
    networks = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or network") from None
    return networks


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address, proxies: list[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(request) -> str:
    """Return the address of the client that made request (REMOTE_ADDR unless a trusted proxy says otherwise)."""
    remote = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    proxies = settings.FACTDESK_TRUSTED_PROXIES
    if not proxies or not _trusted(_address(remote), proxies):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            # A hop that is no address was written by no proxy of ours; what lies left of it is the client's word.
            return remote
        if not _trusted(address, proxies):
            return str(address)
    return remote
