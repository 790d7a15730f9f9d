"""Sessions in Redis: the latest state with a TTL, and fan-out by pub/sub, so that any number of
workers and hosts serve one class.

Each worker keeps a mirror of the sessions it has seen. Redis runs without persistence in the
tests (and may in a deployment), so after a restart every worker writes its mirrors back,
newest version winning; a presenter's state published while Redis is away is kept in the
mirror, sent to this worker's followers at once, and written back when Redis returns.
"""

from __future__ import annotations

import asyncio
import logging
import time

import redis.asyncio as redis
from redis.exceptions import RedisError

from app.live import codes
from app.live.base import PRESENCE_SECONDS, Broker, ClassFull, Full, Session

log = logging.getLogger("backstep.live")
P = "backstep:live:"
POOL = 32  # connections per worker, besides its one pub/sub connection
INDEX = P + "index"  # code → when it expires (epoch seconds): the sessions count

# version is compared as a number; a missing session (Redis restarted) is written back
PUBLISH = """
local cur = redis.call('HGET', KEYS[1], 'version')
if cur and tonumber(ARGV[1]) <= tonumber(cur) then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return redis.call('HGET', KEYS[1], 'session')
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'session', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('PUBLISH', KEYS[2], ARGV[2])
return ARGV[2]
"""
CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', '0', 'session', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
return 1
"""
# a follower counted for the first time wakes the presenter's tally (a heartbeat does not)
JOIN = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
if redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3]) == 1 then redis.call('PUBLISH', KEYS[2], '') end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def skey(code: str) -> str:
    return f"{P}s:{code}"


def channel(code: str) -> str:
    return f"{P}c:{code}"


def tchannel(code: str) -> str:
    """Where "the tally may have changed" goes: an answer, a follower come or gone."""
    return f"{P}t:{code}"


TALLY = tchannel("").encode()


def fkey(code: str) -> str:
    return f"{P}f:{code}"


def akey(code: str, question: str) -> str:
    return f"{P}a:{code}:{question}"


class RedisBroker(Broker):
    def __init__(self, url: str, idle_seconds: float, max_sessions: int) -> None:
        super().__init__(idle_seconds, max_sessions)
        self.url = url
        # a class connecting at once waits for one of POOL connections rather than failing
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=POOL, timeout=5, socket_connect_timeout=2, socket_timeout=5
        )
        self.r = redis.Redis(connection_pool=pool)
        self._publish = self.r.register_script(PUBLISH)
        self._create = self.r.register_script(CREATE)
        self._join = self.r.register_script(JOIN)
        self._mirror: dict[str, tuple[Session, float]] = {}  # code → (session, expires)
        self._dirty: set[str] = set()
        self._reader: asyncio.Task | None = None
        self.connected = asyncio.Event()

    @property
    def ttl(self) -> int:
        return max(1, int(self.idle_seconds))

    # ── connection and fan-out ───────────────────────────────────────────────

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
        await self.r.aclose()

    async def _read(self) -> None:
        backoff = 0.05
        while True:
            pubsub = self.r.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(channel("*"), tchannel("*"))
                self.connected.set()
                await self._restore()
                backoff = 0.05
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    if message["channel"].startswith(TALLY):
                        self._wake(message["channel"][len(TALLY) :].decode())
                    else:
                        self._deliver(Session.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.connected.is_set():
                    log.warning("live broker: Redis connection lost (%s); reconnecting", exc)
                self.connected.clear()
                await asyncio.sleep(backoff)
                backoff = min(2.0, backoff * 2)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:  # noqa: BLE001 - the connection is gone already
                    pass

    async def _restore(self) -> None:
        """After (re)connecting: write back what Redis lost or missed, newest version winning,
        and hand this worker's followers the latest state of their sessions."""
        now = time.monotonic()
        for code, (session, expires) in list(self._mirror.items()):
            if expires <= now and code not in self._subs:
                del self._mirror[code]
                continue
            latest = await self._write(session)
            self._dirty.discard(code)
            if latest is not None:
                self._deliver(latest)

    def _deliver(self, session: Session) -> None:
        code = session.code
        if session.ended:
            self._mirror.pop(code, None)
        elif code in self._mirror or code in self._subs:
            self._remember(session)
        for sub in self._subs.get(code, ()):
            sub.put(session)
        self._wake(code)  # its question, or whether it is open, may have changed

    def _remember(self, session: Session) -> None:
        old = self._mirror.get(session.code)
        if old is None or session.version >= old[0].version:
            self._mirror[session.code] = (session, time.monotonic() + self.idle_seconds)

    async def _write(self, session: Session) -> Session | None:
        stored = await self._publish(
            keys=[skey(session.code), channel(session.code), INDEX],
            args=[session.version, session.dumps(), self.ttl, time.time() + self.ttl, session.code],
        )
        return Session.loads(stored) if stored else None

    # ── sessions ────────────────────────────────────────────────────────────

    async def create(self, secret_digest: str) -> Session:
        for _ in range(32):
            session = Session(codes.new_code(), secret_digest)
            now = time.time()
            done = await self._create(
                keys=[skey(session.code), INDEX],
                args=[
                    session.dumps(),
                    self.ttl,
                    now,
                    self.max_sessions,
                    now + self.ttl,
                    session.code,
                ],
            )
            if done == -1:
                raise Full(f"{self.max_sessions} live sessions")
            if done == 1:
                self._remember(session)
                return session
        raise Full("no free join code found")

    async def get(self, code: str) -> Session | None:
        try:
            stored = await self.r.hget(skey(code), "session")
        except (RedisError, OSError):
            mirrored = self._mirror.get(code)
            if mirrored is None:
                raise
            return mirrored[0]
        if stored is not None:
            session = Session.loads(stored)
            self._remember(session)
            return session
        mirrored = self._mirror.get(code)
        if mirrored is not None and mirrored[1] > time.monotonic():
            return await self._write(mirrored[0])  # Redis lost it: write it back
        return None

    async def publish(self, code, version, state, question, open_):
        session = await self.get(code)
        if session is None:
            return None
        if version <= session.version:
            await self.touch(code)
            return session
        newer = session.newer(version, state, question, open_)
        try:
            latest = await self._write(newer)
        except (RedisError, OSError):
            # Redis is away: keep it, show it to this worker's followers, write it back later
            self._dirty.add(code)
            self._deliver(newer)
            return newer
        self._remember(latest)
        return latest

    async def touch(self, code: str) -> None:
        mirrored = self._mirror.get(code)
        if mirrored is not None:
            self._mirror[code] = (mirrored[0], time.monotonic() + self.idle_seconds)
        try:
            async with self.r.pipeline(transaction=False) as pipe:
                pipe.expire(skey(code), self.ttl).expire(fkey(code), self.ttl)
                pipe.zadd(INDEX, {code: time.time() + self.ttl}, xx=True)
                await pipe.execute()
        except (RedisError, OSError):
            pass  # the next touch will do

    async def end(self, code: str) -> None:
        session = await self.get(code)
        self._mirror.pop(code, None)
        if session is None:
            return
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.delete(skey(code), fkey(code)).zrem(INDEX, code)
            pipe.publish(channel(code), self.ended(session).dumps())
            await pipe.execute()

    # ── followers and answers ───────────────────────────────────────────────

    async def join(self, code: str, follower: str, limit: int) -> None:
        now = time.time()
        ok = await self._join(
            keys=[fkey(code), tchannel(code)],
            args=[now, now - PRESENCE_SECONDS, follower, limit, self.ttl],
        )
        if not ok:
            raise ClassFull(f"{limit} followers")

    async def leave(self, code: str, follower: str) -> None:
        try:
            async with self.r.pipeline(transaction=False) as pipe:
                await pipe.zrem(fkey(code), follower).publish(tchannel(code), "").execute()
        except (RedisError, OSError):
            pass  # it will age out

    async def followers(self, code: str) -> int:
        async with self.r.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(fkey(code), "-inf", time.time() - PRESENCE_SECONDS)
            pipe.zcard(fkey(code))
            return int((await pipe.execute())[1])

    async def answer(self, code, question, follower, answer):
        async with self.r.pipeline(transaction=False) as pipe:
            pipe.hset(akey(code, question), follower, answer).expire(akey(code, question), self.ttl)
            pipe.publish(tchannel(code), "")
            await pipe.execute()

    async def answers(self, code, question):
        return [v.decode() for v in await self.r.hvals(akey(code, question))]

    async def hit(self, key: str, limit: int, window: float, count: bool = True) -> float:
        k = f"{P}r:{key}"
        if count:
            async with self.r.pipeline(transaction=True) as pipe:
                pipe.incr(k).expire(k, max(1, int(window)), nx=True).pttl(k)
                n, _, ms = await pipe.execute()
            n = int(n)
        else:
            async with self.r.pipeline(transaction=False) as pipe:
                pipe.get(k).pttl(k)
                n, ms = await pipe.execute()
            n = int(n or 0)
            n += 1  # as if this attempt counted
        return max(ms, 1) / 1000 if n > limit else 0.0

    async def sessions(self) -> int:
        async with self.r.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(INDEX, "-inf", time.time()).zcard(INDEX)
            return int((await pipe.execute())[1])
