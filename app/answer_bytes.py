"""Same request, same bytes: /api/step and /api/graph answered from the bytes of their body.

Both answers are pure functions of the request body (the API tests check that every kind of
answer depends on nothing else), so an answer given once may be given again for a body that is
byte for byte the same, without parsing, validating or routing it: forty students on the same
step of the same lesson send the same bytes. The routes keep their own cache of answers by the
request's meaning (app.api.routes.lessons); this one, in front of them, only saves the work of
finding out that meaning. Only complete 200 answers are kept, within the answers' memory budget
(app.api.cache), keyed by a 256-bit digest of the path and body.
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import cache

PATHS = frozenset({"/api/step", "/api/graph"})
HEADERS = [(b"content-type", b"application/json")]


class AnswerBytes:
    """Pure ASGI, inside BodyLimit (which has read and checked the whole body already)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in PATHS:
            await self.app(scope, receive, send)
            return
        message = await receive()
        body = message.get("body", b"")
        if message["type"] != "http.request" or message.get("more_body"):
            await self.app(scope, _replay(message, receive), send)  # not a whole body: pass on
            return
        key = "raw" + hashlib.blake2b(scope["path"].encode() + b"\0" + body).hexdigest()
        kept = cache.answers.get(key)
        if kept is not None:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", str(len(kept)).encode()), *HEADERS],
                }
            )
            await send({"type": "http.response.body", "body": kept})
            return
        status, chunks, whole = 0, [], True

        async def keep(message: Message) -> None:
            nonlocal status, whole
            if message["type"] == "http.response.start":
                status = message["status"]
                types = [v for k, v in message.get("headers", []) if k.lower() == b"content-type"]
                whole = types == [HEADERS[0][1]]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    whole = False
            await send(message)

        await self.app(scope, _replay(message, receive), keep)
        if status == 200 and whole:
            cache.answers.put(key, b"".join(chunks))


def _replay(first: Message, receive: Receive) -> Receive:
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return first
        return await receive()

    return replay
