"""A small server-sent-events client on raw asyncio streams: light enough that hundreds of them
measure the server rather than themselves (the benchmark uses it too)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass


@dataclass
class Event:
    event: str
    id: str | None
    data: str

    def json(self):
        return json.loads(self.data)


class SSE:
    def __init__(self, host: str, port: int, path: str, last_id: str | None = None) -> None:
        self.host, self.port, self.path, self.last_id = host, port, path, last_id
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.status = 0
        self._text = ""

    async def connect(self, timeout: float = 5.0) -> SSE:
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), timeout
        )
        extra = f"Last-Event-ID: {self.last_id}\r\n" if self.last_id is not None else ""
        self.writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Accept: text/event-stream\r\n{extra}\r\n".encode()
        )
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), timeout)
        self.status = int(head.split(b" ", 2)[1])
        self.chunked = b"transfer-encoding: chunked" in head.lower()
        return self

    async def _more(self) -> bool:
        assert self.reader is not None
        if self.chunked:
            size = int((await self.reader.readuntil(b"\r\n")).strip() or b"0", 16)
            if size == 0:
                return False
            data = await self.reader.readexactly(size + 2)
            self._text += data[:-2].decode()
        else:
            data = await self.reader.read(65536)
            if not data:
                return False
            self._text += data.decode()
        return True

    async def next(self, timeout: float = 5.0) -> Event | None:
        """The next event (comments skipped); None when the stream ends."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            while "\n\n" in self._text:
                block, self._text = self._text.split("\n\n", 1)
                event, eid, data = "message", None, []
                for line in block.split("\n"):
                    if line.startswith(":") or not line:
                        continue
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        event = value
                    elif field == "id":
                        eid = value
                    elif field == "data":
                        data.append(value)
                if data or event != "message":
                    if eid is not None:
                        self.last_id = eid
                    return Event(event, eid, "\n".join(data))
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError("no event in time")
            try:
                if not await asyncio.wait_for(self._more(), left):
                    return None
            except (asyncio.IncompleteReadError, ConnectionError):
                return None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
