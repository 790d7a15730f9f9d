"""Pure ASGI middleware: request ids and JSON access logs, HEAD answered as GET without a body,
the body limit, and a last-resort JSON 500. Pure ASGI (no BaseHTTPMiddleware) so streaming and disconnects pass straight through."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from itertools import accumulate

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.limits import MAX_JSON_CONTAINERS, MAX_JSON_DEPTH

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # anything else could forge log lines
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)  # skipped whole, escapes included
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_STEP = [0] * 256  # +1 for an opening bracket, -1 for a closing one
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1

access_log = logging.getLogger("backstep.access")
error_log = logging.getLogger("backstep.error")


class StdoutLines(logging.StreamHandler):
    """Writes to whatever sys.stdout is now (test capture and redirection included)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(level: str = "info") -> None:
    """JSON lines on stdout for our loggers; idempotent, so every worker may call it."""
    for logger in (access_log, error_log):
        logger.setLevel(level.upper())
        logger.propagate = False
        if not any(isinstance(h, StdoutLines) for h in logger.handlers):
            handler = StdoutLines()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)


def request_id_of(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id")


async def send_json(send: Send, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class RequestContext:
    """Gives each request an id (the client's X-Request-ID if it is sane, else a new one),
    echoes it in the response and writes one JSON access-log line when the response ends."""

    def __init__(self, app: ASGIApp, log: bool = True) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        start = time.perf_counter()
        status, sent = 0, 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.log and access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    json.dumps(
                        {
                            "ts": round(time.time(), 3),
                            "level": "info",
                            "logger": "access",
                            "request_id": rid,
                            "method": scope["method"],
                            "path": scope["path"],
                            "status": status,
                            "bytes": sent,
                            "ms": round((time.perf_counter() - start) * 1000, 2),
                            "client": client[0] if client else None,
                        }
                    )
                )


def _with_head(allow: bytes) -> bytes:
    methods = [m.strip() for m in allow.split(b",")]
    return allow + b", HEAD" if b"GET" in methods and b"HEAD" not in methods else allow


class HeadAsGet:
    """Answers HEAD as GET with the body left out (RFC 9110 §9.3.2): the same status and headers,
    Content-Length included, and names HEAD in the Allow header of a 405 wherever GET is allowed.
    FastAPI routes take only the methods they declare, so without this every page, /healthz and
    /docs answer a monitor's HEAD with 405; adding HEAD route by route would instead list HEAD
    operations in the OpenAPI schema."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"

        async def send_as_head(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                message["headers"] = [
                    (k, _with_head(v) if k.lower() == b"allow" else v)
                    for k, v in message.get("headers", [])
                ]
            elif head and message["type"] == "http.response.body":
                if message.get("more_body"):
                    return  # a streamed body: only its end is passed on, empty
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy of the scope: the access log outside still records the HEAD the client sent.
        inner = {**scope, "method": "GET"} if head else scope
        await self.app(inner, receive, send_as_head)


def brackets(body: bytes) -> bytes:
    """The body's brackets outside strings, in order: found by C-speed passes (a Python loop
    over the tokens of 1 MiB of `[[],[],…]` took 220 ms of the event loop)."""
    if b'"' in body:
        body = _JSON_STRING.sub(b"", body)
    return body.translate(None, _NOT_BRACKET)


def json_depth_exceeds(body: bytes, limit: int, skeleton: bytes | None = None) -> bool:
    if body.count(b"[") + body.count(b"{") <= limit:  # cheap: cannot be deeper than this
        return False
    skeleton = brackets(body) if skeleton is None else skeleton
    return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0) > limit


class BodyLimit:
    """Refuses a body over `max_bytes` with 413 before anything parses it: at once when
    Content-Length says so, else while counting the streamed chunks. Also refuses JSON nested
    deeper than MAX_JSON_DEPTH (400), which would otherwise hit Python's recursion limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self, size: str) -> dict:
        return {
            "detail": f"request body is {size}; the limit is {self.max_bytes:,} bytes "
            f"({self.max_bytes / 1_048_576:g} MiB)",
            "limit": self.max_bytes,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_json(send, 400, {"detail": "Content-Length is not a byte count"})
                return
            if int(declared) > self.max_bytes:
                await send_json(send, 413, self._too_large(f"{int(declared):,} bytes"))
                return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await send_json(send, 413, self._too_large(f"more than {size:,} bytes"))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if not _may_exceed(body):  # most bodies: their bracket counts alone prove them fine
            await self.app(scope, _replay_body(body, receive), send)
            return
        skeleton = brackets(body)
        if json_depth_exceeds(body, MAX_JSON_DEPTH, skeleton):
            await send_json(
                send,
                400,
                {
                    "detail": f"JSON nested more than {MAX_JSON_DEPTH} levels deep; requests "
                    "need at most 5"
                },
            )
            return
        if len(skeleton) > 2 * MAX_JSON_CONTAINERS:
            await send_json(
                send,
                400,
                {
                    "detail": f"JSON with {len(skeleton) // 2:,} lists and objects; requests need "
                    f"at most {MAX_JSON_CONTAINERS:,}"
                },
            )
            return
        await self.app(scope, _replay_body(body, receive), send)


def _may_exceed(body: bytes) -> bool:
    """Whether the body could be nested deeper than MAX_JSON_DEPTH or hold more than
    MAX_JSON_CONTAINERS lists and objects: its brackets outside strings are at most all its
    brackets, so with few enough of those in all it cannot, and needs no closer look (which
    costs a regular-expression pass over the body: a sixth of a small step's own time)."""
    opening = body.count(b"[") + body.count(b"{")
    if opening > MAX_JSON_DEPTH:
        return True
    return opening + body.count(b"]") + body.count(b"}") > 2 * MAX_JSON_CONTAINERS


def replay(first: Message, receive: Receive) -> Receive:
    """`receive` with `first` (a message already read) given back before the rest: for a
    middleware that read the body and hands the request on."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return first
        return await receive()  # after the body: disconnects reach streaming handlers

    return replayed


def _replay_body(body: bytes, receive: Receive) -> Receive:
    return replay({"type": "http.request", "body": body, "more_body": False}, receive)


class CatchAll:
    """Turns any unexpected exception into a JSON 500 carrying the request id, and logs it
    with its traceback; the client never sees a stack trace or a plain-text error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            rid = request_id_of(scope)
            error_log.error(
                json.dumps(
                    {
                        "ts": round(time.time(), 3),
                        "level": "error",
                        "logger": "error",
                        "request_id": rid,
                        "method": scope["method"],
                        "path": scope["path"],
                        "error": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc(),
                    }
                )
            )
            if started:
                raise  # half a response is out: let the server close the connection
            await send_json(
                send,
                500,
                {
                    "detail": "internal error: this is a bug in Backstep; please report it "
                    "with the request id",
                    "request_id": rid,
                },
            )
