"""The HTTP protocol `backstep` serves with: uvicorn's httptools protocol, plus the limits of a
connection from app.limits, which uvicorn does not have for it (it accepted a 64 MB header and
kept 200 half-sent requests open for as long as their clients liked):

- a request's line and headers stop at MAX_HEADER_BYTES (431) and must arrive within
  HEADER_TIMEOUT_SECONDS of its first byte (408), and a new connection must start a request
  within IDLE_TIMEOUT_SECONDS (closed);
- a keep-alive connection older than MAX_CONNECTION_SECONDS is closed after its next answer, so
  that clients reconnect and the kernel spreads them again over the workers: after a worker
  dies, its clients all move to the survivors, and would stay there while its replacement idles.
"""

from __future__ import annotations

import asyncio
import json
import random

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.limits import (
    HEADER_TIMEOUT_SECONDS,
    IDLE_TIMEOUT_SECONDS,
    MAX_CONNECTION_SECONDS,
    MAX_HEADER_BYTES,
)


class Protocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # a lifetime between half and all of MAX_CONNECTION_SECONDS: clients that connected
        # together (after a worker died) reconnect apart, so each connect goes to whichever
        # worker is free to accept it, not all of them to the first that wakes
        self.expires = self.loop.time() + MAX_CONNECTION_SECONDS * random.uniform(0.5, 1.0)
        self.head_bytes = 0
        self.in_head = False
        self.timer: asyncio.TimerHandle | None = None
        self._arm(IDLE_TIMEOUT_SECONDS, None)  # uvicorn times out idle connections only later

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.in_head and not self.transport.is_closing():
            self.head_bytes += len(data)  # a chunk that ended the head does not count here
            if self.head_bytes > MAX_HEADER_BYTES:
                self._refuse(431, f"request headers over {MAX_HEADER_BYTES:,} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head, self.head_bytes = True, 0
        self._arm(HEADER_TIMEOUT_SECONDS, 408)

    def on_headers_complete(self) -> None:
        self.in_head = False
        self._disarm()
        super().on_headers_complete()
        if self.loop.time() > self.expires and self.cycle is not None:
            self.cycle.keep_alive = False  # answered with `Connection: close`

    def _arm(self, seconds: float, status: int | None) -> None:
        self._disarm()
        self.timer = self.loop.call_later(seconds, self._timed_out, status)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _timed_out(self, status: int | None) -> None:
        self.timer = None
        if status is None:
            self.transport.close()
        else:
            self._refuse(
                status, f"request headers not received within {HEADER_TIMEOUT_SECONDS:g} s"
            )

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` and close, unless an earlier request is still being answered on this
        connection (pipelined): then only close."""
        self._disarm()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            phrase = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}[status]
            body = json.dumps({"detail": message}).encode()
            self.transport.write(
                b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\n"
                b"content-length: %d\r\nconnection: close\r\n\r\n%s"
                % (status, phrase, len(body), body)
            )
        self.transport.close()
