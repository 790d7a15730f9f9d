"""What the page's first paint relies on: the answers embedded in `/` are the API's own, the
modulepreload list is the import graph of main.js, and static files carry validators."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from app.static_files import IMMUTABLE, MemoryStatic
from app.web import FIRST_REQUESTS, MODULES

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r'<script type="application/json" id="initial-answers">(.*?)</script>', re.S)


def embedded(client) -> tuple[str, list[dict]]:
    text = BLOCK.search(client.get("/").text).group(1)
    return text, json.loads(text)


def test_the_embedded_answers_are_what_the_api_answers(client):
    text, answers = embedded(client)
    assert [(a["path"], a["body"]) for a in answers] == [
        (path, json.loads(json.dumps(body))) for path, body in FIRST_REQUESTS
    ]
    for a in answers:
        r = client.post(a["path"], json=a["body"])
        assert r.status_code == 200
        assert a["answer"] == r.json(), a["path"]
    # the tutorial at step 0: its graph, and nothing computed yet
    graph, step = answers[0]["answer"], answers[1]["answer"]
    assert {n["id"] for n in graph["nodes"]} >= {"x0", "x1", "z1_0", "a2_0", "L"}
    assert step["cursor"] == 0
    assert "</" not in text  # a string holding </script> cannot end the block early


def test_the_page_preloads_main_js_and_what_it_imports(client):
    """Unbundled (/?bundle=0, app/bundle.py), the page preloads each module main.js imports."""
    links = re.findall(r'<link rel="modulepreload" href="([^"]+)">', client.get("/?bundle=0").text)
    assert links == MODULES
    assert "/static/js/main.js" in links and "/static/js/lesson.js" in links
    # the labs page's own modules, but for the plane drawing the ledger's data plane shares
    assert [m for m in links if "/labs/" in m] == ["/static/js/labs/heatmap.js"]
    assert "/static/js/large/edge-worker.js" not in links  # a worker's, not the page's
    for m in links:
        assert client.get(m).status_code == 200, m


def test_static_files_carry_an_etag_and_revalidate(client):
    path = ROOT / "static/js/api.js"
    r = client.get("/static/js/api.js")
    assert r.status_code == 200 and r.content == path.read_bytes()
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "cache-control" not in r.headers  # kept for a while by its Last-Modified
    mtime = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    assert parsedate_to_datetime(r.headers["last-modified"]) == mtime
    etag = r.headers["etag"]
    again = client.get("/static/js/api.js", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = client.get("/static/js/api.js", headers={"if-none-match": '"something-else"'})
    assert other.status_code == 200 and other.content == r.content
    assert client.get("/static/css/base.css").headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg+xml")


def test_a_url_with_the_files_version_may_be_kept(client):
    etag = client.get("/static/css/base.css").headers["etag"].strip('"')
    assert client.get(f"/static/css/base.css?v={etag}").headers["cache-control"] == IMMUTABLE
    assert "cache-control" not in client.get("/static/css/base.css?v=old").headers


def test_missing_files_and_other_methods_answer_as_before(client):
    assert client.get("/static/no-such.js").status_code == 404
    assert client.get("/static/../app/main.py").status_code == 404
    assert client.post("/static/js/api.js").status_code == 405


def test_a_file_changed_on_disk_is_served_anew(tmp_path):
    (tmp_path / "a.js").write_text("export const a = 1;\n")
    static = MemoryStatic(directory=tmp_path)
    client = TestClient(Starlette(routes=[Mount("/s", static)]))
    first = client.get("/s/a.js")
    assert first.text == "export const a = 1;\n"
    (tmp_path / "a.js").write_text("export const a = 22;\n")
    second = client.get("/s/a.js")
    assert second.text == "export const a = 22;\n"
    assert second.headers["etag"] != first.headers["etag"]
    (tmp_path / "a.js").unlink()
    assert client.get("/s/a.js").status_code == 404
    (tmp_path / "b.js").write_text("new")  # added after start: served by StaticFiles
    assert client.get("/s/b.js").text == "new"
