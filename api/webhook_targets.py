"""Where webhooks may be sent: the host is resolved, and an address on this machine or its private
networks (loopback, link-local such as 169.254.169.254, RFC 1918, shared, reserved, multicast) is
refused, whatever spelling named it ("localhost", "2130706433", "0x7f.0.0.1"), unless an operator
allowed that network (CALLREC_RECORDER_WEBHOOK_ALLOWED_NETWORKS). The check runs when a webhook is
created and again at every connection, to the very address checked: a DNS answer that changes in
between (rebinding) reaches nothing it was not allowed to."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx

from recorder.errors import WebhookTargetRefused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Target:
    url: httpx.URL  # the URL with the checked address in place of the host name
    host: str  # the name, for the Host header and TLS (SNI and certificate checks)


def _allowed(address: Address, networks: list[str]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in ipaddress.ip_network(n, strict=False) for n in networks):
        return True
    return address.is_global and not address.is_multicast


def resolve(url: str, networks: list[str]) -> Target:
    """The address to connect to for `url`, or WebhookTargetRefused."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise WebhookTargetRefused("a webhook URL is http(s)://host/...")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parsed.host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookTargetRefused(f"the webhook host {parsed.host!r} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    refused = [str(a) for a in addresses if not _allowed(a, networks)]
    if refused:
        raise WebhookTargetRefused(
            f"the webhook host {parsed.host!r} resolves to {', '.join(sorted(set(refused)))}, a loopback, "
            "link-local or private address: allow its network in CALLREC_RECORDER_WEBHOOK_ALLOWED_NETWORKS"
        )
    return Target(parsed.copy_with(host=str(addresses[0])), parsed.host)
