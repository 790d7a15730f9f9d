"""The page's modules as one response (app/bundle.py): the same modules as main.js's import
graph, each after what it imports, its source map pointing each line back to its file, and the
forms whose meaning a rewrite would change refused (the page then links the modules)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import shutil
import subprocess

import pytest

from app import bundle
from app.web import MODULES

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def decode_vlq(segment: str) -> list[int]:
    out, value, shift = [], 0, 0
    for ch in segment:
        digit = B64.index(ch)
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        out.append(-(value >> 1) if value & 1 else value >> 1)
        value, shift = 0, 0
    return out


def test_the_bundle_holds_the_modules_main_js_imports_each_after_its_imports():
    built = bundle.build()
    assert sorted(built.modules) == MODULES
    assert built.modules[-1] == "/static/js/main.js"
    js = built.js.decode()
    order = {url: i for i, url in enumerate(built.modules)}
    for url in built.modules:
        assert js.count(f"__m[{json.dumps(url)}] = await") == 1, url
    # each module reads only modules already defined above it
    for i, url in enumerate(built.modules):
        start = js.index(f"__m[{json.dumps(url)}] = await")
        end = js.index("})();", start)
        for used in re.findall(r'= __m\["([^"]+)"\];', js[start:end]):
            assert order[used] < i, (url, used)


def test_the_source_map_points_every_line_back_to_its_file():
    built = bundle.build()
    source_map = json.loads(built.map)
    generated = built.js.decode().split("\n")
    src = line = 0
    checked = 0
    originals = {}
    for n, segments in enumerate(source_map["mappings"].split(";")):
        if not segments:
            continue
        _, ds, dl, _ = decode_vlq(segments)
        src, line = src + ds, line + dl
        url = source_map["sources"][src]
        if url not in originals:
            path = bundle.STATIC / url.removeprefix("/static/")
            originals[url] = path.read_text().split("\n")
        original, out = originals[url][line], generated[n]
        # a line is the file's own, or the rewritten import or `export ` dropped before it
        if not original.lstrip().startswith(("import", "export")) and "import.meta" not in original:
            assert out == original, (url, line + 1)
            checked += 1
        elif original.startswith("export "):
            assert out == original.removeprefix("export "), (url, line + 1)
    assert set(originals) == set(MODULES)
    assert checked > 5000


@pytest.mark.parametrize(
    "source",
    [
        "export default 1;\n",
        "export let x = 1;\n",
        "const a = 1;\nexport { a };\n",
        'import x from "./a.js";\n',
        'import * as ns from "./a.js";\n',
        'const m = import("./a.js");\n',
        "const u = import.meta.resolve('./a.js');\n",
    ],
)
def test_a_form_the_rewrite_cannot_keep_is_refused(source):
    with pytest.raises(bundle.Unbundlable):
        bundle._rewrite("/static/js/x.js", source)


def test_a_comment_or_string_that_looks_like_an_import_is_left_alone():
    source = (
        'import { a, b as c } from "./y.js";\n'
        "// import { nope } from './z.js';\n"
        "const s = `export default ${1}`, t = 'import(\"./z.js\")';\n"
        "export function f() { return a + c; }\n"
    )
    got = bundle._rewrite("/static/js/x.js", source)
    assert got.imports == [("/static/js/y.js", [("a", "a"), ("b", "c")])]
    assert got.exports == ["f"]
    assert got.body.count("\n") == source.count("\n")
    assert got.body.startswith('const { a, b: c } = __m["/static/js/y.js"];\n')


def test_an_import_cycle_or_a_missing_export_is_refused(monkeypatch):
    files = {
        "/static/js/a.js": 'import { b } from "./b.js";\nexport const a = 1;\n',
        "/static/js/b.js": 'import { a } from "./a.js";\nexport const b = 2;\n',
    }
    monkeypatch.setattr(bundle, "_read", files.__getitem__)
    with pytest.raises(bundle.Unbundlable, match="cycle"):
        bundle._order("/static/js/a.js")
    files["/static/js/b.js"] = "export const c = 2;\n"
    with pytest.raises(bundle.Unbundlable, match="does not export b"):
        bundle._order("/static/js/a.js")


@pytest.mark.skipif(not shutil.which("node"), reason="node checks the bundle's syntax")
def test_the_bundle_is_a_valid_module(tmp_path):
    path = tmp_path / "page.mjs"
    path.write_bytes(bundle.build().js)
    done = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def csp(response) -> dict[str, str]:
    parts = (
        p.strip().split(" ", 1) for p in response.headers["content-security-policy"].split(";")
    )
    return {k: v for k, v in parts}


def test_the_page_writes_in_theme_js_and_the_stylesheets_allowed_by_hash(client):
    """A first visit fetches one file before the picture, the bundle: theme.js and every
    stylesheet are in the page's <head>, and its CSP allows exactly those two texts, by hash."""
    r = client.get("/")
    html = r.text
    assert '<script src="/static/js/theme.js">' not in html and 'rel="stylesheet"' not in html
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(scripts) == 1 and len(styles) == 1
    assert scripts[0] == (bundle.STATIC / "js/theme.js").read_text(encoding="utf-8")
    assert styles[0].encode() == client.get(bundle.CSS_URL).content  # the stylesheet bundle
    for url in bundle.stylesheets():  # every stylesheet, in order
        assert f"/* {url} */" in styles[0]
    policy = csp(r)
    assert policy["script-src"] == f"'self' {sha256_source(scripts[0])}"
    assert policy["style-src"] == f"'self' {sha256_source(styles[0])}"
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    # linked one by one for debugging: nothing inline, nothing allowed beyond 'self'
    unbundled = client.get("/?bundle=0")
    assert "<style>" not in unbundled.text and "<script>" not in unbundled.text
    assert '<script src="/static/js/theme.js">' in unbundled.text
    assert "script-src" not in csp(unbundled) and "style-src" not in csp(unbundled)


def test_the_page_is_sent_compressed_to_a_client_that_takes_gzip(client):
    """With its stylesheets the page is about 100 KB: compressed for a client that takes gzip,
    the same page; as it is for one that does not."""
    plain = client.get("/", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "accept-encoding"
    with client.stream("GET", "/", headers={"accept-encoding": "gzip"}) as r:
        sent = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip" and int(r.headers["content-length"]) == len(sent)
    assert gzip.decompress(sent) == plain.content and len(sent) < len(plain.content) / 3
    assert r.headers["content-security-policy"] == plain.headers["content-security-policy"]


def test_a_followers_page_is_the_page_itself_compressed_once(client):
    """/join/CODE is the step-through page byte for byte (live.js reads the code from the
    address), so every class shares one compressed page: codes by the thousand compress
    nothing and push nothing out. A code in the query string makes no follower's page."""
    from app.web import _gzipped_page

    gz = {"accept-encoding": "gzip"}
    page = client.get("/", headers=gz)
    _gzipped_page.cache_clear()
    for code in [
        "K7M2QX",
        "ABCDEF",
        *(f"{n:06d}".translate(str.maketrans("01", "AB")) for n in range(40)),
    ]:
        r = client.get(f"/join/{code}", headers=gz, follow_redirects=False)
        assert r.status_code == 200 and r.content == page.content, code
    assert _gzipped_page.cache_info().currsize == 1
    # an invalid code is refused with its rule, and a query string's code is no follower's
    assert client.get("/join/K7M2Q").status_code == 404
    assert client.get("/?live_code=K7M2QX", headers=gz).content == page.content
    assert "data-live" not in client.get("/join/K7M2QX").text


@pytest.mark.parametrize(
    ("theme", "css"),
    [
        ("/* ok */", "p::after { content: '</style>'; }"),  # ends its <style> early
        ("/* </SCRIPT> */", "p {}"),  # ends its <script> early
        ("// <!-- <script>", "p {}"),  # the parser's escaped states: the rest is not the script
        ("/* \0 */", "p {}"),  # a NUL: replaced by the parser, so not the text hashed
        ("/* ok */", "p { content: '\0'; }"),
    ],
)
def test_a_text_the_parser_would_change_is_linked_not_written_in(monkeypatch, theme, css):
    monkeypatch.setattr(bundle, "_read", lambda url: theme)
    assert bundle._inline(css) is None


def test_a_theme_js_that_is_not_utf8_is_linked_and_a_bom_is_dropped(tmp_path, monkeypatch):
    (tmp_path / "js").mkdir()
    (tmp_path / "js/theme.js").write_bytes(b"/* caf\xe9 */")  # Latin-1, not UTF-8
    (tmp_path / "css").mkdir()
    (tmp_path / "css/x.css").write_bytes("\ufeffp { margin: 0; }\r\n".encode())
    monkeypatch.setattr(bundle, "STATIC", tmp_path)
    assert bundle._inline("p {}") is None  # linked, not a 500 on every page
    assert bundle._read("/static/css/x.css") == "p { margin: 0; }\n"  # as the browser reads it


def test_plain_texts_are_written_in_as_they_are(monkeypatch):
    monkeypatch.setattr(bundle, "_read", lambda url: "/* a < b */")
    got = bundle._inline("a > b { margin: 0; }\n")
    assert (got.theme, got.css) == ("/* a < b */", "a > b { margin: 0; }\n")


def test_the_page_links_the_bundle_and_the_bundle_is_served(client):
    html = client.get("/").text
    assert "modulepreload" not in html
    # render-blocking: the first frame is the lesson drawn, not the empty page (README)
    js = re.search(
        r'<script type="module" src="(/bundle/page\.js\?v=\w+)" blocking="render">', html
    ).group(1)
    built = bundle.current()
    css = f"{bundle.CSS_URL}?v={built.css_etag}"  # written into the page; still served
    r = client.get(js)
    assert r.status_code == 200 and r.content == built.js
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get(js, headers={"if-none-match": r.headers["etag"]}).status_code == 304
    r = client.get(css)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    for url in bundle.stylesheets():  # every stylesheet index.html links, in order
        assert f"/* {url} */" in r.text
    assert client.get(bundle.MAP_URL).json()["sources"] == list(built.modules)


def test_the_bundle_is_sent_compressed_to_a_client_that_takes_gzip(client):
    """Compressed once a build (a class loading the page over Wi-Fi), each body its own tag; a
    client that does not take gzip, or refuses it (q=0), gets the bytes as they are."""
    built = bundle.current()
    url = f"{bundle.JS_URL}?v={built.js_etag}"
    raw = client.get(url, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.content == built.js
    for refused in ("gzip;q=0", "br, gzip;q=0.0"):
        r = client.get(url, headers={"accept-encoding": refused})
        assert "content-encoding" not in r.headers, refused
    with client.stream("GET", url, headers={"accept-encoding": "br, gzip;q=0.8"}) as r:
        sent = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "accept-encoding"
    assert gzip.decompress(sent) == built.js and len(sent) < len(built.js) / 3
    assert r.headers["etag"] != raw.headers["etag"]
    again = {"accept-encoding": "gzip", "if-none-match": r.headers["etag"]}
    assert client.get(url, headers=again).status_code == 304
    css = client.get(f"{bundle.CSS_URL}?v={built.css_etag}", headers={"accept-encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip" and css.content == built.css


def test_a_changed_file_is_bundled_again_and_an_unbundlable_one_falls_back(tmp_path, monkeypatch):
    (tmp_path / "js").mkdir()
    (tmp_path / "css").mkdir()
    (tmp_path / "js/main.js").write_text('import { a } from "./a.js";\nconsole.log(a);\n')
    (tmp_path / "js/a.js").write_text("export const a = 1;\n")
    (tmp_path / "css/x.css").write_text("p { margin: 0; }\n")
    template = tmp_path / "index.html"
    template.write_text('<link rel="stylesheet" href="/static/css/x.css">\n')
    monkeypatch.setattr(bundle, "STATIC", tmp_path)
    monkeypatch.setattr(bundle, "TEMPLATE", template)
    monkeypatch.setattr(bundle, "_cache", None)
    monkeypatch.setattr(bundle, "RECHECK_S", 0)
    first = bundle.current()
    assert first.modules == ("/static/js/a.js", "/static/js/main.js")
    assert b"const a = 1;" in first.js and b"p { margin: 0; }" in first.css
    (tmp_path / "js/a.js").write_text("export const a = 22;\n")
    assert b"const a = 22;" in bundle.current().js
    (tmp_path / "js/a.js").write_text("export default 3;\n")
    assert bundle.current() is None  # the page links its modules one by one
