"""The one module that opens connections: POST a signed webhook, after the SSRF guard.

At send time the host is resolved once; every address it resolves to must be public (not private,
loopback, link-local, multicast, reserved, unspecified, shared or a cloud metadata address), and the
connection is made to the checked address itself — no second lookup a DNS rebinding could answer
differently — with TLS SNI and ``Host`` the original name. https only; http only to 127.0.0.1 / ::1 when
``settings.webhook_allow_loopback_http`` (``fh dev``). No redirects (http.client follows none: a 3xx is
an answer like any other, a failure). 15 s timeout per socket operation.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TIMEOUT_S = 15.0
BODY_KEPT = 1024
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
LOOPBACK = frozenset(ipaddress.ip_address(a) for a in ("127.0.0.1", "::1"))

Resolver = Callable[[str, int], list[str]]


class Refused(Exception):
    """The target may not be sent to (the reason says why); nothing was sent."""


@dataclass
class Answer:
    status: int | None = None
    body: str = ""
    retry_after: str | None = None
    error: str | None = None
    refused: bool = False
    latency_ms: int = 0
    headers: dict[str, str] = field(default_factory=dict)


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_target(
    url: str, allow_loopback_http: bool, resolver: Resolver = resolve
) -> tuple[str, str, int, str]:
    """(scheme, host, port, the address to connect to) or ``Refused``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("the URL is not valid") from exc
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("https", "http") or not host:
        raise Refused("only https URLs are delivered to")
    if parts.username or parts.password:
        raise Refused("credentials in the URL are not allowed")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"the host does not resolve ({type(exc).__name__})") from exc
    if not addresses:
        raise Refused("the host does not resolve")
    checked = []
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip in LOOPBACK and allow_loopback_http:
            checked.append(str(ip))
            continue
        if ip in METADATA:
            raise Refused(f"{ip} is a cloud metadata address")
        if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback:
            raise Refused(f"{ip} is not a public address (private, loopback, link-local or reserved)")
        checked.append(str(ip))
    if scheme == "http" and not (
        allow_loopback_http and all(ipaddress.ip_address(a) in LOOPBACK for a in checked)
    ):
        raise Refused("only https URLs are delivered to")
    return scheme, host, port, checked[0]


class _Pinned(http.client.HTTPSConnection):
    """A connection to a checked address, speaking TLS (or not) for the original host name."""

    def __init__(self, host: str, port: int, address: str, tls: bool, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address
        self._tls = tls

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        if self._tls:
            sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
        self.sock = sock


@dataclass
class HttpSender:
    allow_loopback_http: bool | None = None
    resolver: Resolver = resolve
    timeout: float = TIMEOUT_S

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        if self.allow_loopback_http is None:
            from shared.settings import get_settings

            self.allow_loopback_http = bool(get_settings().webhook_allow_loopback_http)
        try:
            scheme, host, port, address = check_target(url, self.allow_loopback_http, self.resolver)
        except Refused as exc:
            return Answer(error=str(exc), refused=True)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        started = time.perf_counter()
        conn = _Pinned(host, port, address, scheme == "https", self.timeout)
        try:
            conn.request(
                "POST", path, body=body, headers={**headers, "user-agent": "future-hospital-webhooks/1"}
            )
            response = conn.getresponse()
            data = response.read(BODY_KEPT)
            return Answer(
                status=response.status,
                body=data.decode("utf-8", "replace"),
                retry_after=response.getheader("retry-after"),
                latency_ms=int((time.perf_counter() - started) * 1000),
            )
        except TimeoutError:
            return Answer(error="timed out", latency_ms=int((time.perf_counter() - started) * 1000))
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            return Answer(
                error=f"{type(exc).__name__}: {exc}"[:200],
                latency_ms=int((time.perf_counter() - started) * 1000),
            )
        finally:
            conn.close()
