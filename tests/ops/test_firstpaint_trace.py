"""bench/firstpaint_trace.py reads a Chromium trace: each piece's CPU time, up to the first
contentful paint, on the right thread, a nested task counted once."""

from __future__ import annotations

import pytest

from bench.firstpaint_trace import ROWS, figures

PID, MAIN, POOL, OTHER = 7, 1, 2, 9


def meta(tid: int, name: str, pid: int = PID) -> dict:
    return {"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": name}}


def x(name: str, ts: float, dur: float, tdur: float, tid: int = MAIN, pid: int = PID) -> dict:
    """A complete event; times in ms (the trace's are µs)."""
    return {
        "ph": "X",
        "name": name,
        "pid": pid,
        "tid": tid,
        "ts": ts * 1000,
        "dur": dur * 1000,
        "tdur": tdur * 1000,
    }


def trace() -> list[dict]:
    return [
        meta(MAIN, "CrRendererMain"),
        meta(POOL, "ThreadPoolForegroundWorker"),
        meta(MAIN, "CrRendererMain", pid=OTHER),
        # a task with a nested run loop's task inside it: 30 ms of CPU, not 30 + 4
        x("ThreadControllerImpl::RunTask", 100, 50, 30),
        x("ThreadControllerImpl::RunTask", 110, 5, 4),
        x("HTMLParserScriptRunner ExecuteScript", 101, 40, 25),
        x("V8.CompileCode", 102, 3, 2),
        x("V8.CompileCode", 120, 2, 1.5),
        x("UpdateLayoutTree", 125, 8, 6),
        x("Layout", 133, 6, 5),
        x("Layout", 134, 2, 1),  # inside the one above
        # a second script (theme.js), and a compile outside any script run
        x("ThreadControllerImpl::RunTask", 60, 2, 1),
        x("HTMLParserScriptRunner ExecuteScript", 60, 1, 0.5),
        x("V8.CompileCode", 90, 1, 0.7),
        # the page laid out before the bundle's task (theme.js, while the bundle compiles)
        x("ThreadControllerImpl::RunTask", 80, 8, 7),
        x("UpdateLayoutTree", 80.5, 2, 2),
        x("Layout", 83, 5, 4.5),
        x("ThreadControllerImpl::RunTask", 170, 5, 3),
        x("Paint", 171, 3, 2),
        # off the main thread
        x("v8.parseOnBackground", 50, 30, 11, tid=POOL),
        x("RasterTask", 180, 10, 7, tid=POOL),
        x("RasterTask", 186, 4, 3, tid=POOL),
        # after the paint, or in another process: left out
        x("RasterTask", 260, 4, 3, tid=POOL),
        x("ThreadControllerImpl::RunTask", 255, 9, 9),
        x("ThreadControllerImpl::RunTask", 100, 99, 99, pid=OTHER),
        {"ph": "R", "name": "firstContentfulPaint", "pid": PID, "tid": MAIN, "ts": 250_000},
    ]


def test_each_piece_is_the_cpu_time_of_its_events_up_to_the_first_contentful_paint():
    c = figures(trace(), mark=190.0, fcp=250.0)
    assert set(c) == set(ROWS)
    assert c["script compile (background)"] == pytest.approx(11)
    assert c["main thread"] == pytest.approx(30 + 1 + 7 + 3)  # the nested task counted once
    assert c["  scripts run"] == pytest.approx(25 + 0.5)
    assert c["    lazy compile"] == pytest.approx(2 + 1.5)  # not the one outside a script run
    assert c["  style"] == pytest.approx(2 + 6)
    assert c["  layout"] == pytest.approx(4.5 + 5)
    assert c["  paint"] == pytest.approx(2)
    assert c["  the bundle's task"] == pytest.approx(30)  # the task running the longest script
    assert c["  style and layout before it"] == pytest.approx(2 + 4.5)
    assert c["raster"] == pytest.approx(7 + 3)
    # compiled from 50 to 80 ms; the main thread ran a task from 60 to 62 ms, and one from 80 ms
    assert c["main thread idle while the bundle compiles"] == pytest.approx(30 - 2)
    assert c["wall: navigation → mark"] == pytest.approx(190)
    assert c["wall: mark → first contentful paint"] == pytest.approx(60)


def test_a_trace_without_a_first_contentful_paint_is_refused():
    with pytest.raises(RuntimeError, match="first contentful paint"):
        figures([e for e in trace() if e["name"] != "firstContentfulPaint"], 1.0, 2.0)
