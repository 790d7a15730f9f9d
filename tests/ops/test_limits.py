"""Every limit has one home, app/limits.py, which depends on nothing; the pages read the same
limits (and granularities) from the catalog the server embeds, never from hand copies."""

import ast
import json
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import app.limits as limits
from app.api.schemas import Granularity
from app.engine.plan import GRANULARITIES

ROOT = Path(__file__).resolve().parents[2]
CATALOG_BLOCK = re.compile(
    r'<script type="application/json" id="catalog-data">(.*?)</script>', re.DOTALL
)
LIMIT_NAMES = [n for n in vars(limits) if n.startswith("MAX_")]


def imported_modules(path: Path) -> set[str]:
    """Modules a file imports at any depth of its syntax tree (`from app.api import schemas`
    counts as app.api.schemas)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            out.add(module)
            out.update(f"{module}.{a.name}" for a in node.names)
    return out


def test_limits_module_imports_only_the_standard_library():
    for module in imported_modules(ROOT / "app/limits.py"):
        assert not module.startswith((".", "app")), module
        assert module.split(".")[0] in sys.stdlib_module_names, module


def test_every_limit_is_a_number():
    assert LIMIT_NAMES
    for name in LIMIT_NAMES:
        value = getattr(limits, name)
        assert isinstance(value, int | float) and value > 0, name


@pytest.mark.parametrize("path", ["app/settings.py", "app/middleware.py", "app/web.py"])
def test_settings_middleware_and_pages_do_not_import_the_schemas(path):
    assert "app.api.schemas" not in imported_modules(ROOT / path)


def test_settings_middleware_and_pages_do_not_load_the_schemas_at_all():
    code = (
        "import sys; import app.settings, app.middleware, app.web; "
        "print('app.api.schemas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_granularities_have_one_home():
    assert typing.get_args(Granularity) == GRANULARITIES


def embedded_catalog(html: str) -> dict:
    blocks = CATALOG_BLOCK.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.mark.parametrize("page", ["/", "/labs"])
def test_pages_embed_the_servers_limits_and_granularities(client, page):
    r = client.get(page)
    assert r.status_code == 200
    cat = embedded_catalog(r.text)
    assert cat["limits"] == {
        "layers": limits.MAX_LAYERS + 1,
        "hidden_layers": limits.MAX_LAYERS - 1,
        "width": limits.MAX_WIDTH,
        "abs": limits.MAX_ABS,
        "precision": limits.MAX_PRECISION,
        "explained": limits.MAX_EXPLAINED,
        "worksheet_quantities": limits.MAX_WORKSHEET_QUANTITIES,
        "iteration": limits.MAX_ITERATION,
        "csv_chars": limits.MAX_CSV_CHARS,
        "streamed_parameters": limits.MAX_STREAMED_PARAMETERS,
        "twin_streamed_parameters": limits.MAX_TWIN_STREAMED_PARAMETERS,
    }
    assert cat["granularities"] == list(GRANULARITIES)


def js_sources() -> dict[str, str]:
    return {
        p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
        for p in (ROOT / "static/js").rglob("*.js")
    }


def test_no_page_script_defines_a_limit_of_its_own():
    """A JS constant named as a limit of app/limits.py would be a hand copy of it."""
    for path, text in js_sources().items():
        for name in LIMIT_NAMES:
            assert not re.search(rf"\b{name}\s*=", text), f"{path} defines {name}"


@pytest.mark.parametrize(
    ("path", "old"),
    [
        ("static/js/architecture.js", "const LIMITS ="),
        ("static/js/value-editor.js", "const MAX_ABS ="),
        ("static/js/worksheet/worksheet.js", "const MAX_QUANTITIES ="),
        ("static/js/worksheet/worksheet.js", "Math.min(decimals, 12)"),
        ("static/js/store.js", "GRANULARITIES"),
        ("static/js/contributions.js", "max_explained: 5000"),
        ("static/js/labs/train.js", "dataset.maxWidth"),
        ("templates/labs.html", "data-max-width"),
    ],
)
def test_the_old_hand_copies_are_gone(path, old):
    assert old not in (ROOT / path).read_text(encoding="utf-8")
