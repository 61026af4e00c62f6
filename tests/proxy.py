"""A TCP proxy in front of a real server (PostgreSQL, say) that a test can cut and
restore: the dependency stays up for everyone else, and unreachable for the one
site pointed at the proxy.

Cut, it drops every open connection and ends each new one at once (no byte
forwarded), counting them in `refused`: a test can tell whether a request even
tried to reach the server.
"""

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.links: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.is_cut = False
        self.refused = 0
        self.forwarded = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Unreachable from now on: open connections dropped, new ones ended."""
        with self.lock:
            self.is_cut = True
            links, self.links = self.links, set()
        for link in links:
            _close(link)

    def restore(self) -> None:
        with self.lock:
            self.is_cut = False

    def close(self) -> None:
        self.cut()
        _close(self.listener)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                cut = self.is_cut
                if cut:
                    self.refused += 1
            if cut:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.forwarded += 1
                self.links |= {client, upstream}
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, target), daemon=True
                ).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            with self.lock:
                self.links -= {source, target}
            _close(source)
            _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
