"""Fetching a URL from another site without letting that site steer the server.

The one way the site's code reaches out over HTTP to a host a visitor named (an
oEmbed endpoint, a thumbnail). Everything is decided by a `FetchPolicy` the caller
builds from its settings; this module knows nothing of who calls it.

- Only the policy's hosts, only HTTPS (plain HTTP and loopback only for the exact
  `host:port` pairs a test names in `local_test_servers`).
- The host name is resolved once, every address is checked (no private, loopback,
  link-local, shared, reserved or multicast address: `ipaddress.is_global`), and the
  connection goes to the checked address, so a second DNS answer cannot swap in
  127.0.0.1 (DNS rebinding). TLS still checks the certificate against the host name.
- A connect timeout and a deadline for the whole exchange: a watchdog shuts the
  socket when the deadline passes, so a server dribbling one byte a second cannot
  hold a worker longer than `total_timeout`.
- A size limit, checked against Content-Length and again while reading; compressed
  answers are refused (nothing is inflated here).
- Redirects are not followed blindly: each Location is checked against the policy
  (`redirect_hosts`, by default the allowed hosts) before it is fetched, at most
  `max_redirects` times.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "KindnessHub/1.0 (+oEmbed)"


class FetchError(Exception):
    """Any reason a fetch did not give an answer; `str()` says why, for logs."""


class FetchRefused(FetchError):
    """The URL (or a redirect's) is not one the policy allows: scheme, host, port or
    address. Nothing was sent to it."""


class FetchTimeout(FetchError):
    """The connection or the whole exchange took longer than the policy allows."""


class FetchTooLarge(FetchError):
    """The answer is larger than the policy's limit (or compressed)."""


class FetchFailed(FetchError):
    """The host could not be resolved or reached, or did not speak HTTP."""


@dataclass(frozen=True)
class FetchPolicy:
    """What one kind of fetch may do. Host entries are exact names ("www.tiktok.com")
    or, with a leading dot, a domain and all its subdomains (".tiktokcdn.com")."""

    allowed_hosts: tuple[str, ...]
    max_bytes: int
    redirect_hosts: tuple[str, ...] | None = None
    max_redirects: int = 3
    connect_timeout: float = 3.0
    total_timeout: float = 10.0
    # "host:port" pairs a test server listens on: plain HTTP and a loopback
    # address are allowed for exactly these, and for nothing else.
    local_test_servers: tuple[str, ...] = ()
    accept: str = "*/*"


@dataclass
class FetchResponse:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def host_matches(host: str, patterns: tuple[str, ...] | list[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("."):
            if host.endswith(pattern) and len(host) > len(pattern):
                return True
        elif host == pattern:
            return True
    return False


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) or FetchRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchRefused(f"not a URL: {url[:200]!r}") from error
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in {"http", "https"} or not host:
        raise FetchRefused(f"not an http(s) URL: {url[:200]!r}")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("credentials in the URL")
    if port is None:
        port = 443 if scheme == "https" else 80
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port, path


def _is_test_server(host: str, port: int, policy: FetchPolicy) -> bool:
    return f"{host}:{port}" in policy.local_test_servers


def check_url(
    url: str, policy: FetchPolicy, *, hosts=None
) -> tuple[str, str, int, str]:
    """Refuse a URL the policy does not allow, before any DNS lookup."""
    scheme, host, port, path = _split(url)
    if not host_matches(host, policy.allowed_hosts if hosts is None else hosts):
        raise FetchRefused(f"host not allowed: {host}")
    local = _is_test_server(host, port, policy)
    if scheme != "https" and not local:
        raise FetchRefused(f"only HTTPS is allowed: {url[:200]!r}")
    if scheme == "https" and port != 443 and not local:
        raise FetchRefused(f"only the HTTPS port is allowed: {port}")
    return scheme, host, port, path


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and 2002:7f00:1:: (6to4) reach IPv4 addresses.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int, policy: FetchPolicy) -> list[tuple]:
    """Every address of `host`, all checked: one private address refuses the host
    (a name that answers with a public and a private address is not trusted)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchFailed(f"cannot resolve {host}: {error}") from error
    if not infos:
        raise FetchFailed(f"cannot resolve {host}")
    local = _is_test_server(host, port, policy)
    for _family, _type, _proto, _name, sockaddr in infos:
        address = sockaddr[0]
        if not _address_allowed(address):
            if local and ipaddress.ip_address(address.split("%")[0]).is_loopback:
                continue
            raise FetchRefused(f"{host} resolves to a non-public address {address}")
    return infos


class _Deadline:
    """Shuts the socket when the whole exchange's time is up."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sock = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        return max(self.ends - time.monotonic(), 0.001)

    def watch(self, sock) -> None:
        self._sock = sock

    def _expire(self) -> None:
        self.expired = True
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _connect(scheme, host, port, infos, policy, deadline) -> socket.socket:
    last_error = None
    for family, type_, proto, _name, sockaddr in infos:
        sock = socket.socket(family, type_, proto)
        sock.settimeout(min(policy.connect_timeout, deadline.left()))
        try:
            sock.connect(sockaddr)
        except TimeoutError as error:
            sock.close()
            last_error = FetchTimeout(f"connecting to {host} timed out")
            last_error.__cause__ = error
            continue
        except OSError as error:
            sock.close()
            last_error = FetchFailed(f"cannot connect to {host}: {error}")
            continue
        deadline.watch(sock)
        sock.settimeout(deadline.left())
        if scheme == "https":
            context = ssl.create_default_context()
            try:
                sock = context.wrap_socket(sock, server_hostname=host)
            except (OSError, ssl.SSLError) as error:
                sock.close()
                raise FetchFailed(f"TLS with {host} failed: {error}") from error
            deadline.watch(sock)
        return sock
    raise last_error or FetchFailed(f"cannot connect to {host}")


def _read_body(response, sock, policy: FetchPolicy, deadline: _Deadline) -> bytes:
    length = response.getheader("Content-Length")
    if length is not None:
        try:
            if int(length) > policy.max_bytes:
                raise FetchTooLarge(f"{length} bytes is over {policy.max_bytes}")
        except ValueError:
            raise FetchFailed("a Content-Length that is not a number") from None
    chunks, size = [], 0
    while True:
        sock.settimeout(deadline.left())
        chunk = response.read(min(65536, policy.max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchTooLarge(f"more than {policy.max_bytes} bytes")
    if deadline.expired:
        # The watchdog shut the socket: what was read is a truncated answer.
        raise FetchTimeout("the answer took longer than the deadline")
    if length is not None and size != int(length):
        raise FetchFailed(f"{size} bytes of {length}")
    return b"".join(chunks)


def _request_bytes(host: str, port: int, scheme: str, path: str, accept: str) -> bytes:
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host_header}",
        f"User-Agent: {USER_AGENT}",
        f"Accept: {accept}",
        "Accept-Encoding: identity",
        "Connection: close",
        "",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def _fetch_once(url: str, policy: FetchPolicy, hosts, deadline) -> FetchResponse:
    scheme, host, port, path = check_url(url, policy, hosts=hosts)
    if any(ord(ch) < 33 or ord(ch) > 126 for ch in path):
        raise FetchRefused("a path with spaces, controls or raw non-ASCII")
    infos = resolve(host, port, policy)
    sock = _connect(scheme, host, port, infos, policy, deadline)
    # The socket is ours from start to end: http.client only parses the answer, so
    # the watchdog can always shut it and the timeout can be set before every read.
    try:
        sock.sendall(_request_bytes(host, port, scheme, path, policy.accept))
        response = http.client.HTTPResponse(sock, method="GET")
        sock.settimeout(deadline.left())
        response.begin()
        headers = {name.lower(): value for name, value in response.getheaders()}
        if response.status in REDIRECT_STATUSES:
            return FetchResponse(url=url, status=response.status, headers=headers)
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in {"", "identity"}:
            raise FetchTooLarge(f"a compressed answer ({encoding}) is not accepted")
        body = _read_body(response, sock, policy, deadline)
        return FetchResponse(
            url=url, status=response.status, headers=headers, body=body
        )
    except TimeoutError as error:
        raise FetchTimeout(f"{host} answered too slowly") from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        if deadline.expired:
            raise FetchTimeout(f"{host} answered too slowly") from error
        raise FetchFailed(f"{host}: {error.__class__.__name__}: {error}") from error
    finally:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def fetch(
    url: str, *, policy: FetchPolicy, follow_redirects: bool = True
) -> FetchResponse:
    """GET `url` under `policy`; the final answer whatever its status (the caller
    decides what a 404 means). Raises a FetchError subclass for everything else.

    With `follow_redirects=False` a redirect is returned as it is (its Location
    unchecked and unfetched) so the caller can read where it points."""
    deadline = _Deadline(policy.total_timeout)
    try:
        hosts = policy.allowed_hosts
        for _hop in range(policy.max_redirects + 1):
            response = _fetch_once(url, policy, hosts, deadline)
            if response.status not in REDIRECT_STATUSES or not follow_redirects:
                return response
            location = response.headers.get("location", "")
            if not location:
                raise FetchFailed("a redirect without a Location")
            url = urljoin(url, location)
            hosts = policy.redirect_hosts or policy.allowed_hosts
        raise FetchRefused(f"more than {policy.max_redirects} redirects")
    finally:
        deadline.cancel()


def next_location(response: FetchResponse) -> str:
    """Where a redirect answer points, absolute; "" for any other answer."""
    if response.status not in REDIRECT_STATUSES:
        return ""
    return urljoin(response.url, response.headers.get("location", ""))
