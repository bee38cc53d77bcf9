"""A small threaded TCP proxy on a free loopback port, for putting a broker behind faults.

Modes, switchable while clients are connected:

- `FORWARD`: bytes pass both ways;
- `BLACK_HOLE`: connections are accepted (new and old alike) but nothing is forwarded and
  nothing is answered, like a broker whose host stopped answering without closing sockets;
- `RESET`: every connection is closed at once with a TCP reset (SO_LINGER 0), new ones too.

Leaving `BLACK_HOLE` closes the connections held in it (their protocol state is lost: a
request went out and no reply will ever come), so clients reconnect as after a network fault.
"""

from __future__ import annotations

import socket
import struct
import threading
from contextlib import suppress

FORWARD = "forward"
BLACK_HOLE = "black-hole"
RESET = "reset"


def _reset(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with suppress(OSError):
        sock.close()


class _Pair:
    """One client connection and its upstream connection."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.closed = threading.Event()

    def close(self, reset: bool = False) -> None:
        self.closed.set()
        for sock in (self.client, self.upstream):
            if reset:
                _reset(sock)
            else:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with suppress(OSError):
                    sock.close()


class TcpProxy:
    """Listens on 127.0.0.1:<free port> and relays to `upstream_port` on 127.0.0.1."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = FORWARD
        self._lock = threading.Lock()
        self._pairs: set[_Pair] = set()
        self._held: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = int(self._listener.getsockname()[1])
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="proxy-accept", daemon=True)

    @property
    def url(self) -> str:
        """A Redis URL through the proxy."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> TcpProxy:
        """Start accepting."""
        self._thread.start()
        return self

    def set_mode(self, mode: str) -> None:
        """Switch mode; see the module docstring for what happens to open connections."""
        if mode not in (FORWARD, BLACK_HOLE, RESET):
            raise ValueError(f"unknown proxy mode {mode!r}")
        with self._lock:
            previous, self.mode = self.mode, mode
            pairs, held = set(self._pairs), set(self._held)
            if mode == RESET or previous == BLACK_HOLE:
                self._pairs.clear()
                self._held.clear()
        if mode == RESET:
            for pair in pairs:
                pair.close(reset=True)
            for sock in held:
                _reset(sock)
        elif previous == BLACK_HOLE and mode == FORWARD:
            for pair in pairs:
                pair.close(reset=True)
            for sock in held:
                _reset(sock)

    def stop(self) -> None:
        """Stop listening and close every connection."""
        self._stopped.set()
        with suppress(OSError):
            self._listener.close()
        with self._lock:
            pairs, held = set(self._pairs), set(self._held)
            self._pairs.clear()
            self._held.clear()
        for pair in pairs:
            pair.close()
        for sock in held:
            with suppress(OSError):
                sock.close()
        self._thread.join(5)

    # -- internals --------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                mode = self.mode
            if mode == RESET:
                _reset(client)
                continue
            if mode == BLACK_HOLE:
                with self._lock:
                    self._held.add(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            pair = _Pair(client, upstream)
            with self._lock:
                self._pairs.add(pair)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(pair, source, target),
                                 name="proxy-pump", daemon=True).start()

    def _pump(self, pair: _Pair, source: socket.socket, target: socket.socket) -> None:
        try:
            while not pair.closed.is_set():
                data = source.recv(65536)
                if not data:
                    break
                if self.mode == BLACK_HOLE:
                    continue  # swallowed: the other side waits for an answer that never comes
                target.sendall(data)
        except OSError:
            pass
        finally:
            if not pair.closed.is_set() and self.mode != BLACK_HOLE:
                pair.close()
                with self._lock:
                    self._pairs.discard(pair)
