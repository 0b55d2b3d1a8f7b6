"""A raw HTTP server for client and plugin tests: it answers however a test says, even wrongly."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

Respond = Callable[[socket.socket, threading.Event], None]


@contextlib.contextmanager
def raw_server(respond: Respond) -> Iterator[str]:
    """Serve each connection with ``respond`` after reading the request head."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                with contextlib.suppress(OSError):
                    respond(conn, stop)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
