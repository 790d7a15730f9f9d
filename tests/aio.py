"""Running a coroutine from a synchronous test."""

from __future__ import annotations

import asyncio
import threading


def run_alone(coro, timeout: float = 120.0):
    """asyncio.run(coro) in a thread of its own, its result or its exception handed back.

    Not asyncio.run in the test's thread: a browser test run earlier by the same worker leaves
    Playwright's loop running there (its sync API keeps one), and asyncio.run refuses to start
    beside it."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"the coroutine ran past {timeout:.0f} s")
    if "error" in out:
        raise out["error"]
    return out["value"]
