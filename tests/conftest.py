"""Suite-wide collection rules: every test has its own id, so a parallel run (pytest-xdist, which
schedules by id) runs each of them once and never silently drops one; and the files that take
longest start first, so that no worker is left alone with one at the end."""

from collections import Counter

import pytest


def pytest_configure(config):
    # `--dist loadfile` hands out files in the order collected below, not sorted by test count
    # (its default puts the browser files, seconds a test and few tests a file, last)
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    # schemathesis gives every operation's test its parent's id; its name says which operation.
    # (pytest 9 keeps a node's id in `_id`; the lock file pins the version this relies on.)
    for item in items:
        if item.name != item.nodeid.rsplit("::", 1)[-1] and item.parent is not None:
            item._id = item.parent.id.child(item.name)
    twice = [i for i, n in Counter(item.nodeid for item in items).items() if n > 1]
    if twice:
        raise pytest.UsageError(f"{len(twice)} test ids are not unique, e.g. {twice[0]}")
    # Files marked slow first (the two halves of the fuzz run, the live streams: a minute or two
    # each, few tests), then the browser files (a page a test: the longest files), then the
    # others, each group by number of tests as xdist would; the many quick files fill the
    # workers' last minutes. A stable sort by file keeps each file's tests together and in order.
    per_file = Counter(item.nodeid.split("::")[0] for item in items)
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}

    def weight(item):
        path = item.nodeid.split("::")[0]
        return (path not in slow, not path.startswith("tests/browser/"), -per_file[path])

    items.sort(key=weight)
