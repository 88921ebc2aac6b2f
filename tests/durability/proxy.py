"""A TCP proxy between the runtime and PostgreSQL that a test can cut (every open connection dropped) and
take down (new connections refused) without touching the shared server."""
from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit, urlunsplit


class Proxy:
    """Forwards 127.0.0.1:`port` to `target`; `cut()` drops the connections, `down()`/`up()` refuse or
    accept new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepting = threading.Event()
        self.accepting.set()
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url_for(self, url: str) -> str:
        """`url` (a PostgreSQL SQLAlchemy URL) pointed at the proxy instead of the server."""
        parts = urlsplit(url)
        user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{self.port}"))

    def cut(self) -> int:
        """Drop every open connection (both sides see it closed); how many sockets were closed."""
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        return len(sockets)

    def down(self) -> None:
        """An outage: open connections dropped, new ones refused until `up`."""
        self.accepting.clear()
        self.cut()

    def up(self) -> None:
        self.accepting.set()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.accepting.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
