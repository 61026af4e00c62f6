"""bench/proxy.py, the proxy the chaos run and the database-away tests cut: a cut
really drops what is open and turns away what comes, and the server comes back on
the same port."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.proxy import TcpProxy
from tests.conftest import wait_for


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    """The proxy in front of a tiny HTTP server."""
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    proxy = TcpProxy("127.0.0.1", upstream.server_address[1])
    yield proxy
    proxy.close()
    upstream.shutdown()


def _get(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        answer = b""
        while data := sock.recv(1000):
            answer += data
        return answer


def _dropped(sock: socket.socket) -> bool:
    """Closed from the other end, with a FIN or a reset."""
    try:
        return sock.recv(10) == b""
    except ConnectionResetError:
        return True


def test_a_refusing_cut_drops_open_connections_refuses_new_ones_and_ends(proxy):
    port = proxy.port
    assert _get(port).endswith(b"ok")
    held = socket.create_connection(("127.0.0.1", port), timeout=5)

    proxy.cut(refuse=True)

    with pytest.raises(ConnectionRefusedError):
        _get(port)
    assert _dropped(held)
    held.close()
    proxy.restore()
    assert proxy.port == port
    assert _get(port).endswith(b"ok")


def test_a_plain_cut_ends_each_new_connection_unanswered_and_counts_it(proxy):
    assert _get(proxy.port).endswith(b"ok")
    held = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    wait_for(lambda: proxy.forwarded == 2, timeout=5, what="the held connection")

    proxy.cut()

    assert _get(proxy.port) == b""  # accepted, then ended: nothing forwarded
    assert _dropped(held)
    held.close()
    assert proxy.refused == 1
    proxy.restore()
    assert _get(proxy.port).endswith(b"ok")
    assert proxy.forwarded == 3
