"""/static from memory: the page's ~60 small files answered without a thread or a disk read.

Starlette's StaticFiles stats and reads every file in the thread pool, a few milliseconds a
file; the page asks for some sixty at once, so its first paint waited on them one after the
other. Here each file is read once, with its headers made once, and served from memory; a file
changed on disk (a developer's edit) is read again, noticed by its size and modification time.

Caching: every answer carries a strong ETag (a hash of the bytes) and Last-Modified, as
StaticFiles gave: a browser keeps a file for a while by Last-Modified (a page opened again draws
from its memory cache, asking nothing), then revalidates (a bodiless 304 when unchanged). A URL
carrying the file's own version, `?v=<its ETag>` (see `version`), never changes meaning: it may
be kept for a year without asking. ES modules are linked without a version: a module imported as
"./api.js" and preloaded under another URL would be fetched twice.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Entry:
    stamp: tuple[int, int]  # (size, mtime_ns) when read
    modified: str  # the Last-Modified date
    body: bytes
    etag: str  # a hash of the body, quoted
    media_type: str


class MemoryStatic(StaticFiles):
    """StaticFiles whose regular files are answered from memory; anything else (a missing file,
    a directory, a method other than GET) is left to StaticFiles, which answers as before."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self.root = Path(directory).resolve()
        self.entries: dict[str, Entry] = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                self._read(path.relative_to(self.root).as_posix())

    def _read(self, rel: str) -> Entry | None:
        path = self.root / rel
        try:
            st = path.stat()
            body = path.read_bytes()
        except OSError:
            self.entries.pop(rel, None)
            return None
        media = mimetypes.guess_type(rel)[0] or "application/octet-stream"  # text/*: utf-8
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        modified = formatdate(st.st_mtime, usegmt=True)
        entry = Entry((st.st_size, st.st_mtime_ns), modified, body, etag, media)
        self.entries[rel] = entry
        return entry

    def entry(self, rel: str) -> Entry | None:
        """The file's entry, read again if it changed on disk since."""
        entry = self.entries.get(rel)
        if entry is None:
            return None
        try:
            st = os.stat(self.root / rel)
        except OSError:
            self.entries.pop(rel, None)
            return None
        if (st.st_size, st.st_mtime_ns) != entry.stamp:
            entry = self._read(rel)
        return entry

    def version(self, rel: str) -> str:
        """The file's version for `?v=`: its ETag without quotes."""
        entry = self.entry(rel)
        return entry.etag.strip('"') if entry else ""

    async def get_response(self, path: str, scope: Scope) -> Response:
        rel = path.replace(os.sep, "/")
        entry = self.entry(rel) if scope["method"] in ("GET", "HEAD") else None
        if entry is None:
            return await super().get_response(path, scope)
        query = scope.get("query_string", b"")
        versioned = query == b"v=" + entry.etag.strip('"').encode()
        headers = {"etag": entry.etag, "last-modified": entry.modified}
        if versioned:
            headers["cache-control"] = IMMUTABLE
        if_none = Headers(scope=scope).get("if-none-match")
        if if_none and entry.etag in [t.strip().removeprefix("W/") for t in if_none.split(",")]:
            return Response(status_code=304, headers=headers)
        return Response(entry.body, headers=headers, media_type=entry.media_type)
