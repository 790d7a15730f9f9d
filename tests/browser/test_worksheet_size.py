"""The worksheet panel counts a graph's numbers as the engine does, so a network too large for a
worksheet is explained without a refused request (which the browser would log as an error)."""

import re

import pytest

from app.engine.expression_presets import EXPRESSION_PRESETS
from app.engine.presets import PRESETS
from tests.browser.conftest import GUIDE_SEEN, Watch

CASES = [
    *[(PRESETS[k]["scenario"], False) for k in PRESETS],
    (PRESETS["xor"]["scenario"], True),
    ({**PRESETS["tutorial"]["scenario"], "frozen": ["W1"]}, False),
    *[(p["scenario"], False) for p in EXPRESSION_PRESETS.values()],
    (
        {
            "layers": [20, 40, 40, 2],
            "activations": ["tanh", "tanh", "sigmoid"],
            "init": {"seed": 1},
            "inputs": [[0.1] * 20],
            "targets": [[0.0, 1.0]],
        },
        False,
    ),
]


@pytest.fixture(scope="module")
def api():
    from fastapi.testclient import TestClient

    from app.main import create_app

    return TestClient(create_app())


@pytest.fixture(scope="module")
def loaded(browser, base_url):
    """One page, loaded once, for every case: the page's origin and its modules."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    ctx.add_init_script(GUIDE_SEEN)
    pg = ctx.new_page()
    pg.watch = Watch(base_url)
    pg.on("console", pg.watch.console)
    pg.on("pageerror", pg.watch.page_error)
    pg.on("request", pg.watch.request)
    pg.goto(f"{base_url}/")
    yield pg
    ctx.close()


@pytest.fixture
def page(loaded):
    """The shared page; a case fails on anything its Watch saw meanwhile (as conftest's page)."""
    yield loaded
    problems = loaded.watch.problems[:]
    loaded.watch.problems.clear()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("scenario", "expand"), CASES)
def test_the_page_counts_the_worksheet_as_the_api_does(page, api, scenario, expand):
    graph = api.post("/api/graph", json={"scenario": scenario, "expand": expand}).json()
    sheet = api.post("/api/worksheet", json={"scenario": scenario, "expand": expand})
    counted = page.evaluate(
        "async (g) => (await import('/static/js/worksheet/worksheet.js')).worksheetSize(g)", graph
    )
    if sheet.status_code == 200:
        assert counted == len(sheet.json()["quantities"]) and counted <= 2000
    else:
        assert sheet.status_code == 422 and counted > 2000
        # the API refuses from the layers alone, before building anything: a bound, or the count
        said = re.search(r"(at least )?([\d,]+) numbers", sheet.json()["detail"][0]["msg"])
        n = int(said.group(2).replace(",", ""))
        assert 2000 < n <= counted if said.group(1) else n == counted
