"""The broker interface, the session record it keeps, and the choice of broker."""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from functools import cached_property

from app.live import codes

QUEUE = 64  # states a slow follower may fall behind by; the oldest go first (each is whole)
PRESENCE_SECONDS = 30.0  # a follower unseen this long no longer counts (a heartbeat is 10 s)


class Full(Exception):
    """The server has as many live sessions as it may hold."""


class ClassFull(Exception):
    """The session has as many followers as it may hold."""


class Busy(Exception):
    """The session has as many tally requests waiting as it may."""


@dataclass(frozen=True)
class Session:
    code: str
    secret_digest: str
    version: int = 0
    state: str = "null"  # the presenter's state as published: JSON text, passed on untouched
    question: str | None = None  # what followers are predicting, if anything
    open: bool = False  # whether answers to `question` are still taken
    ended: bool = False

    @cached_property
    def frame(self) -> bytes:
        """The server-sent event of this state, made once for all its followers."""
        if self.ended:
            return b"event: end\ndata: {}\n\n"
        return f"id: {self.version}\nevent: state\ndata: {self.event()}\n\n".encode()

    def event(self) -> str:
        """The follower's view, as JSON text: everything but the secret."""
        question = json.dumps(self.question)
        return (
            f'{{"code":"{self.code}","version":{self.version},"question":{question},'
            f'"open":{"true" if self.open else "false"},'
            f'"ended":{"true" if self.ended else "false"},"state":{self.state}}}'
        )

    def dumps(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def loads(cls, text: str | bytes) -> Session:
        return cls(**json.loads(text))

    def newer(self, version: int, state: str, question: str | None, open_: bool) -> Session:
        return replace(self, version=version, state=state, question=question, open=open_)


class Subscription:
    """States of one session in the order they were published, the oldest dropped when a
    follower falls QUEUE behind (never a problem: each state is whole and versioned)."""

    def __init__(self, release) -> None:
        self.queue: asyncio.Queue[Session] = asyncio.Queue(QUEUE)
        self._release = release

    def put(self, session: Session) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(session)

    async def next(self, timeout: float) -> Session | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._release(self)


class Broker(ABC):
    """Where live sessions live. Every method is cheap and bounded; none blocks the loop."""

    def __init__(self, idle_seconds: float, max_sessions: int) -> None:
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions
        self._subs: dict[str, set[Subscription]] = {}  # this process's followers, by session
        self._waiting: dict[str, set[asyncio.Event]] = {}  # this process's tally requests

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect, start background tasks."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and tasks."""

    @abstractmethod
    async def create(self, secret_digest: str) -> Session:
        """A new session with a fresh, unused code. Raises Full."""

    @abstractmethod
    async def get(self, code: str) -> Session | None: ...

    @abstractmethod
    async def publish(
        self, code: str, version: int, state: str, question: str | None, open_: bool
    ) -> Session | None:
        """Store the state if `version` is newer than the stored one, and send it to every
        subscriber. Returns the session as it now stands (None if it has ended)."""

    @abstractmethod
    async def touch(self, code: str) -> None:
        """The presenter is still there: the session's idle time starts again."""

    @abstractmethod
    async def end(self, code: str) -> None: ...

    def subscribe(self, code: str) -> Subscription:
        """A follower's queue of this session's states (each broker fills `_subs`)."""
        subs = self._subs.setdefault(code, set())

        def release(sub: Subscription) -> None:
            subs.discard(sub)
            if not subs:
                self._subs.pop(code, None)

        sub = Subscription(release)
        subs.add(sub)
        return sub

    @contextmanager
    def waiting(self, code: str, limit: int) -> Iterator[asyncio.Event]:
        """An event set whenever the session's tally may have changed (a state published, an
        answer, a follower joining or leaving, the end), here or on another worker. Raises Busy
        when `limit` requests of this session wait already."""
        events = self._waiting.setdefault(code, set())
        if len(events) >= limit:
            raise Busy(f"{limit} tally requests waiting")
        event = asyncio.Event()
        events.add(event)
        try:
            yield event
        finally:
            events.discard(event)
            if not events:
                self._waiting.pop(code, None)

    def _wake(self, code: str) -> None:
        for event in self._waiting.get(code, ()):
            event.set()

    @abstractmethod
    async def join(self, code: str, follower: str, limit: int) -> None:
        """Count `follower` as present (the tally wakes if it was not). Raises ClassFull when
        `limit` others are."""

    @abstractmethod
    async def leave(self, code: str, follower: str) -> None: ...

    @abstractmethod
    async def followers(self, code: str) -> int: ...

    @abstractmethod
    async def answer(self, code: str, question: str, follower: str, answer: str) -> None:
        """Record (or replace) one follower's answer to one question; the tally wakes."""

    @abstractmethod
    async def answers(self, code: str, question: str) -> list[str]: ...

    @abstractmethod
    async def hit(self, key: str, limit: int, window: float, count: bool = True) -> float:
        """Count one attempt against `key` (or, with count=False, only look): 0 if it is within
        `limit` per `window` seconds, else the seconds until attempts are taken again."""

    @abstractmethod
    async def sessions(self) -> int: ...

    async def new_code(self, exists) -> str:
        for _ in range(32):
            code = codes.new_code()
            if not await exists(code):
                return code
        raise Full("no free join code found")  # only at an absurd number of sessions

    @staticmethod
    def ended(session: Session) -> Session:
        return replace(session, ended=True, open=False)


def make_broker(url: str | None, idle_seconds: float, max_sessions: int) -> Broker:
    if url:
        from app.live.redis_broker import RedisBroker

        return RedisBroker(url, idle_seconds, max_sessions)
    from app.live.memory import MemoryBroker

    return MemoryBroker(idle_seconds, max_sessions)
