"""`since`: an answer that lists only what changed, applied to the answer the client holds, gives
exactly the full answer, forward or back, in every granularity."""

import random

import pytest

from app.engine.expression_presets import EXPRESSION_PRESETS
from app.engine.presets import PRESETS

SCENARIOS = {
    **{k: PRESETS[k]["scenario"] for k in ("tutorial", "xor", "softmax", "deep")},
    "expression": EXPRESSION_PRESETS[next(iter(EXPRESSION_PRESETS))]["scenario"],
}


def step(client, sc, cursor, **extra):
    r = client.post("/api/step", json={"scenario": sc, "cursor": cursor, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def merged(held: dict, partial: dict, key: str) -> dict:
    out = {e["id"]: e for e in held[key]}
    out.update({e["id"]: e for e in partial[key]})
    return out


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("granularity", ["step", "node", "layer", "pass"])
def test_partial_answers_applied_to_the_held_state_give_the_full_answer(client, name, granularity):
    sc = SCENARIOS[name]
    total = step(client, sc, 0, granularity=granularity)["total"]
    rng = random.Random(f"{name}{granularity}")
    walk = [0, 1, 2, 1, total, total - 1, 0, *rng.choices(range(total + 1), k=6)]
    held = step(client, sc, walk[0], granularity=granularity)
    for cursor in walk[1:]:
        cursor = max(0, min(total, cursor))
        full = step(client, sc, cursor, granularity=granularity)
        part = step(client, sc, cursor, granularity=granularity, since=held["fine_cursor"])
        assert part["since"] == held["fine_cursor"] and full["since"] is None
        for key in ("nodes", "parameters"):
            want = {e["id"]: e for e in full[key]}
            got = merged(held, part, key)
            assert got == want
            assert list(got) == list(want)  # the same order as a full answer
            changed = {i for i in want if want[i] != {e["id"]: e for e in held[key]}[i]}
            listed = {e["id"] for e in part[key]}
            assert changed <= listed
            if abs(full["fine_cursor"] - held["fine_cursor"]) <= 2:
                assert listed == changed  # a step or two: nothing unchanged is sent
        rest = {k: v for k, v in part.items() if k not in ("nodes", "parameters", "since")}
        assert rest == {k: v for k, v in full.items() if k not in ("nodes", "parameters", "since")}
        held = full


def test_one_step_of_a_large_network_sends_one_entry(client):
    sc = {
        "layers": [16, 32, 32, 4],
        "activations": ["relu", "tanh", "sigmoid"],
        "init": {"seed": 5},
        "inputs": [[0.05 * i for i in range(16)]],
        "targets": [[0.0, 1.0, 0.0, 1.0]],
    }
    held = step(client, sc, 40)
    part = step(client, sc, 41, since=held["fine_cursor"])
    assert len(part["nodes"]) + len(part["parameters"]) == 1
    assert len(held["parameters"]) == 16 * 32 + 32 + 32 * 32 + 32 + 32 * 4 + 4


def test_since_past_the_end_names_the_field_and_the_limit(client):
    sc = SCENARIOS["tutorial"]
    total = step(client, sc, 0)["fine_total"]
    r = client.post("/api/step", json={"scenario": sc, "cursor": 1, "since": total + 1})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["body", "since"] and f"since 0 to {total}" in detail["msg"]
    r = client.post("/api/step", json={"scenario": sc, "cursor": 1, "since": -1})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "since"]


def test_text_labels_are_the_full_labels_without_latex_and_mathml(client):
    sc = SCENARIOS["softmax"]
    full = client.post("/api/graph", json={"scenario": sc}).json()
    text = client.post("/api/graph", json={"scenario": sc, "labels": "text"}).json()
    for key in ("nodes", "parameters"):
        assert len(full[key]) == len(text[key])
        for f, t in zip(full[key], text[key], strict=True):
            assert t["label"] == {"text": f["label"]["text"], "latex": None, "mathml": None}
            assert f["label"]["mathml"].startswith("<math") and f["label"]["latex"]
            assert {k: v for k, v in t.items() if k != "label"} == {
                k: v for k, v in f.items() if k != "label"
            }
    assert text["edges"] == full["edges"] and text["plan"] == full["plan"]
