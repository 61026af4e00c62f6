"""core.safe_fetch: only allowed hosts, only public addresses, within time and size."""

import socket
import threading
import time

import pytest

from core import safe_fetch
from core.safe_fetch import (
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    FetchTimeout,
    FetchTooLarge,
    fetch,
)
from tests.tiktok_server import FakeTikTok


@pytest.fixture
def server():
    fake = FakeTikTok().start()
    yield fake
    fake.stop()


def policy_for(fake, **overrides):
    values = {
        "allowed_hosts": ("127.0.0.1",),
        "max_bytes": 10_000,
        "connect_timeout": 1.0,
        "total_timeout": 1.5,
        "local_test_servers": (f"127.0.0.1:{fake.port}",),
    }
    values.update(overrides)
    return FetchPolicy(**values)


def test_fetches_from_the_named_local_test_server(server):
    server.files["/a.txt"] = ("text/plain", b"hello", 0)
    response = fetch(f"{server.base}/a.txt", policy=policy_for(server))
    assert (response.status, response.body) == (200, b"hello")
    assert response.content_type == "text/plain"
    assert server.requests[0]["headers"]["Accept-Encoding"] == "identity"


def test_loopback_is_refused_without_the_test_server_setting(server):
    server.files["/a.txt"] = ("text/plain", b"hello", 0)
    with pytest.raises(FetchRefused):
        fetch(f"{server.base}/a.txt", policy=policy_for(server, local_test_servers=()))
    assert server.requests == []


def test_the_test_setting_opens_one_port_not_the_whole_loopback(server):
    other = FakeTikTok().start()
    try:
        with pytest.raises(FetchRefused):
            fetch(f"{other.base}/", policy=policy_for(server))
        assert other.requests == []
    finally:
        other.stop()


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/x",
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        "https://user:pw@www.tiktok.com/x",
        "https://www.tiktok.com.evil.example/x",
        "https://www.tiktok.com:8443/x",
        "http://www.tiktok.com/x",
        "gopher://www.tiktok.com/x",
        "https://[::1]/x",
    ],
)
def test_urls_outside_the_policy_are_refused_before_any_lookup(url, monkeypatch):
    def no_lookup(*args, **kwargs):
        raise AssertionError("looked up")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    policy = FetchPolicy(allowed_hosts=("www.tiktok.com",), max_bytes=10)
    with pytest.raises(FetchRefused):
        fetch(url, policy=policy)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",
    ],
)
def test_an_allowed_name_that_resolves_to_a_private_address_is_refused(
    address, monkeypatch
):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(family, socket.SOCK_STREAM, 6, "", (address, 443))],
    )
    connected = []
    monkeypatch.setattr(socket.socket, "connect", lambda *a: connected.append(a))
    policy = FetchPolicy(allowed_hosts=(".tiktokcdn.com",), max_bytes=10)
    with pytest.raises(FetchRefused, match="non-public"):
        fetch("https://p16.tiktokcdn.com/x.jpg", policy=policy)
    assert connected == []


def test_one_private_address_among_public_ones_refuses_the_host(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443)),
        ],
    )
    policy = FetchPolicy(allowed_hosts=("www.tiktok.com",), max_bytes=10)
    with pytest.raises(FetchRefused):
        fetch("https://www.tiktok.com/oembed", policy=policy)


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(monkeypatch):
    """DNS rebinding: the name is resolved once; a later answer is never used."""
    answers = iter(["93.184.216.34", "127.0.0.1"])
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 443))
        ],
    )
    targets = []

    def connect(self, address):
        targets.append(address)
        raise ConnectionRefusedError

    monkeypatch.setattr(socket.socket, "connect", connect)
    policy = FetchPolicy(allowed_hosts=("www.tiktok.com",), max_bytes=10)
    with pytest.raises(FetchFailed):
        fetch("https://www.tiktok.com/oembed", policy=policy)
    assert targets == [("93.184.216.34", 443)]


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "https://evil.example/",
        "/local-but-then",  # same server: allowed, and then 404
    ],
)
def test_redirects_are_checked_before_they_are_followed(server, location):
    server.short_links["abcd"] = location
    policy = policy_for(server)
    if location.startswith("/"):
        assert fetch(f"{server.base}/t/abcd", policy=policy).status == 404
        assert [r["path"] for r in server.requests] == ["/t/abcd", location]
    else:
        with pytest.raises(FetchRefused):
            fetch(f"{server.base}/t/abcd", policy=policy)
        assert [r["path"] for r in server.requests] == ["/t/abcd"]


def test_redirect_loops_end(server):
    server.short_links["loop"] = "/t/loop"
    with pytest.raises(FetchRefused, match="redirects"):
        fetch(f"{server.base}/t/loop", policy=policy_for(server, max_redirects=2))
    assert len(server.requests) == 3


def test_a_redirect_can_be_read_without_following_it(server):
    server.short_links["abcd"] = "http://169.254.169.254/"
    response = fetch(
        f"{server.base}/t/abcd", policy=policy_for(server), follow_redirects=False
    )
    assert safe_fetch.next_location(response) == "http://169.254.169.254/"
    assert len(server.requests) == 1


def test_a_body_over_the_limit_is_refused(server):
    server.files["/big"] = ("text/plain", b"x" * 10_001, 0)
    with pytest.raises(FetchTooLarge):
        fetch(f"{server.base}/big", policy=policy_for(server))


def test_a_body_over_the_limit_without_content_length_is_cut(monkeypatch):
    """A server that sends no Content-Length and never stops: read stops at the cap."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def endless():
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        try:
            while True:
                conn.sendall(b"y" * 65536)
        except OSError:
            pass
        finally:
            conn.close()

    threading.Thread(target=endless, daemon=True).start()
    policy = FetchPolicy(
        allowed_hosts=("127.0.0.1",),
        max_bytes=100_000,
        local_test_servers=(f"127.0.0.1:{port}",),
    )
    try:
        with pytest.raises(FetchTooLarge):
            fetch(f"http://127.0.0.1:{port}/", policy=policy)
    finally:
        listener.close()


def test_a_slow_answer_times_out(server):
    server.files["/slow"] = ("text/plain", b"late", 3)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(f"{server.base}/slow", policy=policy_for(server, total_timeout=1.0))
    assert time.monotonic() - started < 2


def test_a_dribbling_answer_is_stopped_by_the_total_deadline(server):
    """One byte every 0.3 s never trips a per-read timeout; the deadline still ends it."""
    from tests.tiktok_server import FakePost

    server.cdn_base = "http://localhost:1"
    server.posts["7300000000000000009"] = FakePost(variant="dribble")
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(
            f"{server.base}/oembed?url=https://www.tiktok.com/@a/video/7300000000000000009",
            policy=policy_for(server, total_timeout=1.0),
        )
    assert time.monotonic() - started < 2


def test_a_compressed_answer_is_refused(server):
    from tests.tiktok_server import FakePost

    server.posts["7300000000000000008"] = FakePost(variant="gzip")
    with pytest.raises(FetchTooLarge, match="compressed"):
        fetch(
            f"{server.base}/oembed?url=https://www.tiktok.com/@a/video/7300000000000000008",
            policy=policy_for(server),
        )


def test_a_connection_that_hangs_times_out_on_connect(monkeypatch):
    def hang(self, address):
        raise TimeoutError

    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))
        ],
    )
    monkeypatch.setattr(socket.socket, "connect", hang)
    policy = FetchPolicy(allowed_hosts=("www.tiktok.com",), max_bytes=10)
    with pytest.raises(FetchTimeout):
        fetch("https://www.tiktok.com/oembed", policy=policy)


@pytest.mark.parametrize(
    ("host", "patterns", "expected"),
    [
        ("p16-sign.tiktokcdn.com", (".tiktokcdn.com",), True),
        ("tiktokcdn.com", (".tiktokcdn.com",), False),
        ("eviltiktokcdn.com", (".tiktokcdn.com",), False),
        ("WWW.TikTok.com.", ("www.tiktok.com",), True),
        ("www.tiktok.com.evil", ("www.tiktok.com",), False),
    ],
)
def test_host_patterns(host, patterns, expected):
    assert safe_fetch.host_matches(host, patterns) is expected
