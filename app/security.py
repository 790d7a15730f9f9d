"""Security headers on every response, and the CSP that allows only the page's own origin."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings

# The page needs nothing but its own origin: ES modules and CSS from /static, fetch to /api.
BASE_CSP = (
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
)


def content_security_policy(frame_ancestors: list[str], extra: tuple[str, ...] = ()) -> str:
    framing = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return "; ".join((*BASE_CSP, *extra, f"frame-ancestors {framing}"))


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = [
        ("content-security-policy", content_security_policy(settings.frame_ancestors)),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
    ]
    if not settings.frame_ancestors:  # X-Frame-Options cannot name origins: only CSP opens framing
        headers.append(("x-frame-options", "DENY"))
    return [(k.encode(), v.encode()) for k, v in headers]


class SecurityHeaders:
    """Pure ASGI: adds the headers to every HTTP response unless the route already set them
    (the interactive API docs set their own, wider, CSP)."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
