"""A TCP proxy in front of a real server (PostgreSQL, moto's S3) that a benchmark or a
test can cut and restore: the server stays up for everyone else, and unreachable for
the one site pointed at the proxy.

Two ways to be unreachable, as a real outage is seen from the site:
- `cut()`: every open connection dropped, each new one accepted and ended at once (no
  byte forwarded) and counted in `refused`, so a test can tell whether a request even
  tried to reach the server;
- `cut(refuse=True)`: no listener at all (connections refused, as a stopped server's
  port), until `restore()` listens again on the same port.

Used by bench/chaos.py (the database stopped, the storage cut) and by
tests/core/test_database_away.py.
"""

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.lock = threading.Lock()
        self.links: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.is_cut = False
        self.refused = 0
        self.forwarded = 0
        self.port = 0
        self._listen()

    def cut(self, *, refuse: bool = False) -> None:
        """Unreachable from now on: open connections dropped, new ones ended (or,
        with `refuse`, refused: no listener, and one being accepted at this very
        moment dropped too)."""
        with self.lock:
            self.is_cut = True
            links, self.links = self.links, set()
            listener = self.listener if refuse else None
            if refuse:
                self.listener = None
        if listener is not None:
            listener.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
            listener.close()
        for link in links:
            _close(link)

    def restore(self) -> None:
        """Reachable again, on the same port."""
        if self.listener is None:
            self._listen()
        with self.lock:
            self.is_cut = False

    def close(self) -> None:
        self.cut(refuse=True)

    def _listen(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        with self.lock:
            self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                closed = self.listener is not listener
                cut = self.is_cut
                if cut and not closed:
                    self.refused += 1
            if closed or cut:
                _close(client)
                if closed:
                    return
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self.lock:
                cut = self.is_cut
                if not cut:
                    self.forwarded += 1
                    self.links |= {client, upstream}
            if cut:
                _close(client)
                _close(upstream)
                continue
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
