"""The client's address, taken one way everywhere: rate limits, login lockouts, the personal-data
access log, "me too".

X-Forwarded-For is written by whoever sends the request. Read without care, a client picks a
new address per request by rotating the header, and so escapes every per-address limit. The
address therefore comes from the socket (REMOTE_ADDR) unless the deployment declares how many
reverse proxies stand in front of it (`TRUSTED_PROXY_COUNT`). Each such proxy appends the address
it was reached from, so the N-th entry from the right is the client as the outermost trusted
proxy saw it; whatever the client wrote further left is ignored. DRF's `NUM_PROXIES` follows the
same rule, and is set from the same setting.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's IP address ("" if the server gave none). Takes a Django or DRF request."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if not hops:  # reached without the proxy (a health check on the host itself)
        return remote
    address = hops[-min(proxies, len(hops))]
    try:
        # Only a trusted proxy writes this entry, but it ends up in a GenericIPAddressField
        # and in cache keys: anything that is not an address falls back to the socket's.
        return str(ipaddress.ip_address(address))
    except ValueError:
        return remote
