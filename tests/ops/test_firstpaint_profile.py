"""bench/firstpaint_profile.py reads a CDP CPU profile: samples cut to a window on the page's
clock, each function's self and total time (a recursive call counted once), its call paths, and
a bundle line named by its module and the line in that module."""

from __future__ import annotations

import pytest

from bench.firstpaint_profile import Bundle, tally

BUNDLE = "http://h/bundle/page.js?v=1"


def node(id_: int, name: str, line: int, children: list[int], url: str = BUNDLE) -> dict:
    frame = {"functionName": name, "url": url, "lineNumber": line, "columnNumber": 0}
    return {"id": id_, "callFrame": frame, "children": children}


def bundle() -> Bundle:
    b = Bundle.__new__(Bundle)  # no page to read: the module boundaries given
    b.starts, b.names = [1, 40], ["idle.js", "main.js"]
    return b


def profile() -> dict:
    # root → main (main.js line 3) → go (main.js line 10) → go again (recursion) ; root → idle
    nodes = [
        node(1, "(root)", -1, [2, 5], url=""),
        node(2, "", 43, [3]),
        node(3, "go", 50, [4]),
        node(4, "go", 50, []),
        node(5, "(idle)", -1, [], url=""),
    ]
    # samples every 1 ms from t = 0 (µs on the profile's clock): 2, 3, 4, 4, 5, 2, then a last one
    return {
        "nodes": nodes,
        "startTime": 0,
        "samples": [2, 3, 4, 4, 5, 2, 5],
        "timeDeltas": [0, 1000, 1000, 1000, 1000, 1000, 1000],
    }


def test_a_bundle_line_is_named_by_its_module():
    b = bundle()
    assert b.where({"url": BUNDLE, "lineNumber": 43}) == ("main.js", 3)
    assert b.where({"url": BUNDLE, "lineNumber": 5}) == ("idle.js", 4)
    assert b.where({"url": "http://h/static/js/theme.js?v=2", "lineNumber": 3}) == ("theme.js", 4)
    assert b.where({"url": "", "lineNumber": -1}) == ("", 0)


def test_self_total_and_paths_in_the_window():
    # the profile starts at 100 ms on the page's clock; the window [100, 104) holds 4 samples
    own, total, paths = tally(profile(), 100, 104, 100, bundle())
    main, go = ("(anonymous)", "main.js", 3), ("go", "main.js", 10)
    assert own == {main: pytest.approx(1), go: pytest.approx(3)}
    # go's recursive call is in its total once; main's total holds what it calls
    assert total[go] == pytest.approx(3) and total[main] == pytest.approx(4)
    assert total[("(root)", "", 0)] == pytest.approx(4)
    root = ("(root)", "", 0)
    assert paths[(root, main, go)] == pytest.approx(3)
    assert paths[(root, main, go, go)] == pytest.approx(2)
    # a later window: the idle sample and main's own, nothing of go
    own, _, _ = tally(profile(), 104, 110, 100, bundle())
    assert own == {("(idle)", "", 0): pytest.approx(1), main: pytest.approx(1)}
