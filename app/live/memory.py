"""The embedded broker: one process, nothing else to install."""

from __future__ import annotations

import time

from app.live.base import PRESENCE_SECONDS, Broker, ClassFull, Full, Session


class MemoryBroker(Broker):
    def __init__(self, idle_seconds: float, max_sessions: int) -> None:
        super().__init__(idle_seconds, max_sessions)
        self._sessions: dict[str, Session] = {}
        self._expires: dict[str, float] = {}
        self._present: dict[str, dict[str, float]] = {}
        self._answers: dict[tuple[str, str], dict[str, str]] = {}
        self._hits: dict[str, tuple[float, int]] = {}

    def _sweep(self) -> None:
        now = time.monotonic()
        for code in [c for c, t in self._expires.items() if t <= now]:
            self._drop(code)
        if len(self._hits) > 10_000:  # forget finished windows
            self._hits = {k: v for k, v in self._hits.items() if v[0] > now}

    def _drop(self, code: str) -> None:
        session = self._sessions.pop(code, None)
        self._expires.pop(code, None)
        self._present.pop(code, None)
        for key in [k for k in self._answers if k[0] == code]:
            del self._answers[key]
        if session is not None:
            for sub in self._subs.get(code, ()):
                sub.put(self.ended(session))
            self._wake(code)

    async def create(self, secret_digest: str) -> Session:
        self._sweep()
        if len(self._sessions) >= self.max_sessions:
            raise Full(f"{self.max_sessions} live sessions")
        code = await self.new_code(self._exists)
        session = Session(code, secret_digest)
        self._sessions[code] = session
        self._expires[code] = time.monotonic() + self.idle_seconds
        return session

    async def _exists(self, code: str) -> bool:
        return code in self._sessions

    async def get(self, code: str) -> Session | None:
        self._sweep()
        return self._sessions.get(code)

    async def publish(self, code, version, state, question, open_):
        self._sweep()
        session = self._sessions.get(code)
        if session is None:
            return None
        self._expires[code] = time.monotonic() + self.idle_seconds
        if version <= session.version:
            return session
        session = self._sessions[code] = session.newer(version, state, question, open_)
        for sub in self._subs.get(code, ()):
            sub.put(session)
        self._wake(code)
        return session

    async def touch(self, code: str) -> None:
        if code in self._sessions:
            self._expires[code] = time.monotonic() + self.idle_seconds

    async def end(self, code: str) -> None:
        self._drop(code)

    def _count(self, code: str) -> dict[str, float]:
        present = self._present.setdefault(code, {})
        cutoff = time.monotonic() - PRESENCE_SECONDS
        for f in [f for f, t in present.items() if t < cutoff]:
            del present[f]
        return present

    async def join(self, code: str, follower: str, limit: int) -> None:
        present = self._count(code)
        if follower not in present and len(present) >= limit:
            raise ClassFull(f"{limit} followers")
        new = follower not in present
        present[follower] = time.monotonic()
        if new:
            self._wake(code)

    async def leave(self, code: str, follower: str) -> None:
        if self._present.get(code, {}).pop(follower, None) is not None:
            self._wake(code)

    async def followers(self, code: str) -> int:
        return len(self._count(code)) if code in self._sessions else 0

    async def answer(self, code, question, follower, answer):
        if code in self._sessions:
            self._answers.setdefault((code, question), {})[follower] = answer
            self._wake(code)

    async def answers(self, code, question):
        return list(self._answers.get((code, question), {}).values())

    async def hit(self, key: str, limit: int, window: float, count: bool = True) -> float:
        now = time.monotonic()
        until, n = self._hits.get(key, (now + window, 0))
        if until <= now:
            until, n = now + window, 0
        if n >= limit:
            return until - now
        if count:
            self._hits[key] = (until, n + 1)
        return 0.0

    async def sessions(self) -> int:
        self._sweep()
        return len(self._sessions)
