"""The client's IP: from the socket, or X-Forwarded-For only behind a trusted proxy."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address

from fastapi import Request

from privet_manager.settings import get_settings


def client_ip(request: Request) -> str:
    peer = request.client.host if request.client else ""
    networks = get_settings().trusted_proxy_networks
    if not networks or not _in(peer, networks):
        return peer or "unknown"
    forwarded = request.headers.get("x-forwarded-for", "")
    # Walk from the nearest hop back; the first address that is not a trusted proxy is the client.
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _valid(hop):
            break
        if not _in(hop, networks):
            return hop
    return peer


def via_untrusted_proxy(request: Request) -> bool:
    """The request names a forwarded client but its peer is no trusted proxy: a proxy this app
    was not told about (its own address, often loopback, says nothing of the real client), or
    a forged header."""
    if "x-forwarded-for" not in request.headers:
        return False
    peer = request.client.host if request.client else ""
    return not _in(peer, get_settings().trusted_proxy_networks)


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:512]


def _valid(addr: str) -> bool:
    try:
        ip_address(addr)
    except ValueError:
        return False
    return True


def _in(addr: str, networks: list[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(addr)
    except ValueError:
        return False
    return any(ip in n for n in networks)
