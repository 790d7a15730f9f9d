"""Suite-wide collection rules: every test has its own id, so a parallel run (pytest-xdist, which
schedules by id) runs each of them once and never silently drops one."""

from collections import Counter

import pytest


def pytest_collection_modifyitems(config, items):
    # schemathesis gives every operation's test its parent's id; its name says which operation.
    # (pytest 9 keeps a node's id in `_id`; the lock file pins the version this relies on.)
    for item in items:
        if item.name != item.nodeid.rsplit("::", 1)[-1] and item.parent is not None:
            item._id = item.parent.id.child(item.name)
    twice = [i for i, n in Counter(item.nodeid for item in items).items() if n > 1]
    if twice:
        raise pytest.UsageError(f"{len(twice)} test ids are not unique, e.g. {twice[0]}")
