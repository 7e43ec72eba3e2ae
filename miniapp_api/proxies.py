"""Proxy headers trusted only from the configured proxies.

Behind a load balancer (`PROXY_FIX_HOPS` > 0) the client's address comes from
`X-Forwarded-For`, but only for connections from `TRUSTED_PROXIES` (addresses or
networks): a client that reaches the app directly cannot choose its address, and so
cannot rotate it to escape a per-address limit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """ProxyFix for requests from a trusted proxy; any other request goes on with its
    forwarding headers ignored (the connection's own address stands)."""

    def __init__(self, wsgi_app, hops: int, proxies: Iterable[str]):
        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        self.networks = [
            ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip()
        ]

    def trusted(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR")):
            return self.proxied(environ, start_response)
        return self.direct(environ, start_response)
