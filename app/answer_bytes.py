"""Same request, same bytes: /api/step and /api/graph answered from the bytes of their body.

Both answers are pure functions of the request body (the API tests check that every kind of
answer depends on nothing else), so an answer given once may be given again for a body that is
byte for byte the same, without parsing, validating or routing it: forty students on the same
step of the same lesson send the same bytes. The routes keep their own cache of answers by the
request's meaning (app.api.routes.lessons); this one, in front of them, only saves the work of
finding out that meaning. Only complete 200 answers are kept, within the answers' memory budget
(app.api.cache), keyed by a 256-bit digest of the path and body.

A new /api/step body that is small enough to answer on the event loop is answered here too, by
app.api.routes.lessons.step_inline: the route's validation and work without the framework's
routing and dependency solving, which took more time than a tutorial step's own work. Anything
it does not answer (a refusal, heavy work) goes on to the route.
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import cache
from app.api.routes import lessons
from app.middleware import replay

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
            await self.app(scope, replay(message, receive), send)  # not a whole body: pass on
            return
        key = "raw" + hashlib.blake2b(scope["path"].encode() + b"\0" + body).hexdigest()
        kept = cache.answers.get(key)
        if kept is None and scope["path"] == "/api/step" and _json(scope):
            kept = lessons.step_inline(body)  # None: refused or heavy, the route's to answer
            if kept is not None:
                cache.answers.put(key, kept)
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

        await self.app(scope, replay(message, receive), keep)
        if status == 200 and whole:
            cache.answers.put(key, b"".join(chunks))


def _json(scope: Scope) -> bool:
    """Whether the request says its body is JSON, as plainly as clients do (FastAPI reads more
    forms, and any other reaches it)."""
    for k, v in scope["headers"]:
        if k == b"content-type":
            return v.lower() == b"application/json"
    return False
