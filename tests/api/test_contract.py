"""The OpenAPI document changes only by additions: every path, schema, property, enumeration value
and status of the baseline (tests/api/openapi_baseline.json) is still there, of the same type.

When an addition lands, write the new baseline (see `python -m tests.api.test_contract --write`);
a removal or a rename fails here first, before any client of the REST API sees it.
"""

import json
import sys
from pathlib import Path

from app.main import create_app

BASELINE = Path(__file__).with_name("openapi_baseline.json")
WORDS = {"description", "title", "summary", "example", "examples", "x-cross-field-rules"}  # prose


def missing(old, new, where: str = "") -> list[str]:
    """What of `old` is not in `new`: keys, list items, values (prose aside)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{where}: no longer an object"]
        out = []
        for k, v in old.items():
            if k in WORDS:
                continue
            if k not in new:
                out.append(f"{where}/{k}: removed")
            elif k == "required" and isinstance(v, list):  # a field newly required breaks clients
                out += [f"{where}/required: {r} is new" for r in new[k] if r not in v]
                out += [f"{where}/required: {r} removed" for r in v if r not in new[k]]
            else:
                out += missing(v, new[k], f"{where}/{k}")
        return out
    if isinstance(old, list):
        if not isinstance(new, list):
            return [f"{where}: no longer a list"]
        return [f"{where}: {json.dumps(x)} removed" for x in old if x not in new]
    return [] if old == new else [f"{where}: {old!r} became {new!r}"]


def current() -> dict:
    return json.loads(json.dumps(create_app().openapi()))


def test_the_contract_only_grows():
    assert missing(json.loads(BASELINE.read_text()), current()) == []


def test_the_check_sees_a_removal_and_a_narrowing():
    doc = current()
    enum = doc["components"]["schemas"]["Scenario"]["properties"]["activations"]["items"]["enum"]
    cut = json.loads(json.dumps(doc))
    cut["components"]["schemas"]["Scenario"]["properties"]["activations"]["items"]["enum"] = enum[
        1:
    ]
    del cut["paths"]["/api/step"]
    found = missing(doc, cut)
    assert any("/paths//api/step: removed" in f for f in found)
    assert any(f"{json.dumps(enum[0])} removed" in f for f in found)


if __name__ == "__main__" and "--write" in sys.argv:
    BASELINE.write_text(json.dumps(current(), sort_keys=True, indent=1, ensure_ascii=False) + "\n")
