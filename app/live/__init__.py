"""Live class sessions: the one stateful part of Backstep (DESIGN principle 3's exception).

A presenter's page publishes its whole lesson state, versioned; followers' pages receive each
state as a server-sent event and apply it only if it is newer than the one they show. Lessons
stay a pure function of their request: nothing here is ever read to answer /api/step.

The state lives in a broker behind one small interface (`base.Broker`): `memory.MemoryBroker`
in the process by default, `redis_broker.RedisBroker` when BACKSTEP_BROKER_URL names a Redis,
so that several workers or hosts serve one class.
"""

from app.live.base import Broker, Session, make_broker

__all__ = ["Broker", "Session", "make_broker"]
