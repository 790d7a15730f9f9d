"""The page's ES modules as one response, and its stylesheets as another, made from the files in
static/ when the server starts (no build step): the first paint then waits on one request
instead of some seventy. A browser opens at most six connections to a server over HTTP/1.1, so
seventy small files arrived in twelve rounds, each a few milliseconds on a loaded machine: most
of the first paint's time went there, with the page's main thread idle. The stylesheets, and
theme.js, are also written into the page itself (`Inline`, allowed by their hashes in its CSP).

The JS bundle is each module, in the order a browser evaluates them (a module after everything
it imports), wrapped in a function of its own: its `import { a, b as c } from "./x.js"` becomes
`const { a, b: c } = __m["/static/js/x.js"];` on the same lines, `export ` is dropped before its
declaration, and the function returns the module's exports. The functions are async and awaited
in turn, so a module's top-level `await` (main.js has one) keeps its meaning. Every line of a module stays one
line of the bundle, so the source map (`/bundle/page.js.map`, one mapping a line) shows the
original files in a debugger, and an error's line names the original file and line. A file
changed on disk makes the next page load build the bundle again.

Only the forms the page's modules use are rewritten; the rest would change meaning, so the
bundle refuses them and the page falls back to its separate modules (`Unbundlable`, logged):
an import cycle, `export default`/`export let`/`export {…}`, `import x`/`import * as`, a dynamic
`import()`, `import.meta` other than `import.meta.url`, or an imported name the module does not
export. Values are copied when a module runs (its imports are finished by then, and `const`,
`function` and `class` exports never change), which is why `export let` is refused.

`/?bundle=0` serves the page with its separate modules, for debugging."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import os
import posixpath
import re
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("backstep.bundle")

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
TEMPLATE = ROOT / "templates" / "index.html"

# `import { a, b as c } from "./x.js";` or `import "./x.js";` at the start of a line (the braces
# may span lines)
_IMPORT = re.compile(
    r"""^import\s*(?:\{(?P<names>[^}]*)\}\s*from\s*)?["'](?P<spec>[^"']+)["']\s*;?""", re.M
)
_EXPORT = re.compile(r"^export\s+(?=(?:async\s+)?function\b|class\b|const\b)", re.M)
_EXPORTED = re.compile(r"^(?:async\s+)?(?:function\s*\*?|class|const)\s*([\w$]+)")
# forms the bundle cannot keep the meaning of (matched after comments and strings are blanked)
_REFUSED = (
    (
        re.compile(
            r"^\s*export\b(?!\s+(?:async\s+function|function|class|const)\s*\*?\s*[\w$])", re.M
        ),
        "an export form other than `export function|class|const NAME`",
    ),
    (re.compile(r"^\s*import\b(?!\s*[{\"'])", re.M), "an import form other than named or bare"),
    (re.compile(r"\bimport\s*\("), "a dynamic import()"),
    (re.compile(r"\bimport\.meta\b(?!\.url\b)"), "import.meta other than import.meta.url"),
)
_CSS = re.compile(r'<link rel="stylesheet" href="(/static/css/[^"]+\.css)">')
_SKIP = re.compile(
    r"""/\*.*?\*/|//[^\n]*|`(?:\\.|[^`\\])*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'""", re.S
)


class Unbundlable(ValueError):
    """A module uses a form the bundle would not keep the meaning of."""


def _blank(source: str) -> str:
    """The source with comments and string contents blanked out (lines kept), for the checks.
    Import specifiers are strings too: kept, so the import forms can still be seen."""

    def repl(m: re.Match) -> str:
        text = m.group(0)
        if text[0] in "\"'" and re.search(
            r"(?:from|import)\s*$", source[max(0, m.start() - 40) : m.start()]
        ):
            return text
        return re.sub(r"[^\n]", " ", text)

    return _SKIP.sub(repl, source)


def _read(url: str) -> str:
    """A file's text: line ends made LF (as the HTML parser makes them: an inline text's hash is
    of what the browser gets), a byte-order mark dropped (it would spoil a stylesheet's first rule
    in the middle of the bundle)."""
    return (STATIC / url.removeprefix("/static/")).read_text(encoding="utf-8-sig")


def _resolve(url: str, spec: str) -> str:
    if not spec.startswith("."):
        raise Unbundlable(f"{url}: imports {spec!r}, not a relative path")
    return posixpath.normpath(posixpath.join(posixpath.dirname(url), spec))


@dataclass
class _Module:
    url: str
    body: str  # rewritten, same number of lines as the file
    lines: int
    exports: list[str]
    imports: list[tuple[str, list[tuple[str, str]]]]  # (module url, [(exported name, local)])


def _rewrite(url: str, source: str) -> _Module:
    blank = _blank(source)
    for pattern, what in _REFUSED:
        if m := pattern.search(blank):
            line = blank.count("\n", 0, m.start()) + 1
            raise Unbundlable(f"{url}:{line}: {what}")
    imports: list[tuple[str, list[tuple[str, str]]]] = []

    def import_(m: re.Match) -> str:
        target = _resolve(url, m.group("spec"))
        pairs = []
        for part in (m.group("names") or "").split(","):
            words = part.split()
            if not words:
                continue
            if len(words) == 1:
                pairs.append((words[0], words[0]))
            elif len(words) == 3 and words[1] == "as":
                pairs.append((words[0], words[2]))
            else:
                raise Unbundlable(f"{url}: cannot read the import {part.strip()!r}")
        imports.append((target, pairs))
        newlines = "\n" * m.group(0).count("\n")
        if not pairs:
            return newlines
        names = ", ".join(a if a == b else f"{a}: {b}" for a, b in pairs)
        return f"const {{ {names} }} = __m[{json.dumps(target)}];{newlines}"

    # rewrite only where the blanked source has the same statement (not inside a comment/string)
    starts = {m.start() for m in _IMPORT.finditer(blank)}
    body = _IMPORT.sub(lambda m: import_(m) if m.start() in starts else m.group(0), source)
    exports = [_EXPORTED.match(blank[m.end() :]).group(1) for m in _EXPORT.finditer(blank)]
    starts = {m.start() for m in _EXPORT.finditer(_blank(body))}
    body = _EXPORT.sub(lambda m: "" if m.start() in starts else m.group(0), body)
    here = json.dumps(url)
    body = re.sub(r"\bimport\.meta\.url\b", f"new URL({here}, location.href).href", body)
    if re.search(r"^\s*(?:import\s*[{\"']|export\s)", body, re.M):
        raise Unbundlable(f"{url}: an import or export the rewrite did not reach")
    if len(exports) != len(set(exports)):
        raise Unbundlable(f"{url}: a name is exported twice")
    return _Module(url, body, source.count("\n") + 1, exports, imports)


def _order(entry: str) -> list[_Module]:
    """The modules `entry` imports, directly or not, itself last: each after its imports."""
    done: dict[str, _Module] = {}
    active: list[str] = []

    def visit(url: str) -> None:
        if url in done:
            return
        if url in active:
            raise Unbundlable(f"an import cycle: {' → '.join([*active[active.index(url) :], url])}")
        active.append(url)
        module = _rewrite(url, _read(url))
        for target, _ in module.imports:
            visit(target)
        active.pop()
        done[url] = module

    visit(entry)
    for module in done.values():
        for target, pairs in module.imports:
            missing = [a for a, _ in pairs if a not in done[target].exports]
            if missing:
                raise Unbundlable(f"{module.url}: {target} does not export {', '.join(missing)}")
    return list(done.values())


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _vlq(n: int) -> str:
    n = (-n << 1) | 1 if n < 0 else n << 1
    out = ""
    while True:
        digit, n = n & 31, n >> 5
        out += _B64[digit | (32 if n else 0)]
        if not n:
            return out


@dataclass(frozen=True)
class Bundle:
    js: bytes
    map: bytes
    css: bytes
    modules: tuple[str, ...]  # the module URLs in the JS bundle, in order
    stylesheets: tuple[str, ...]  # the stylesheet URLs in the CSS bundle, in order
    js_etag: str
    css_etag: str
    gzipped: dict[str, bytes]  # js, map and css compressed once, for clients that accept gzip
    inline: Inline | None = None  # theme.js and the stylesheets, for the page's <head>


@dataclass(frozen=True)
class Inline:
    """What index.html writes into its <head> instead of linking it: theme.js and the stylesheets,
    each with the CSP hash that allows exactly that text. A first visit then fetches one file
    before the picture, the bundle, instead of three: on a loaded 2-core machine each request to
    the server took 25–60 ms, and the parser stopped at theme.js until it came."""

    theme: str
    theme_hash: str  # 'sha256-…', as a CSP source
    css: str
    css_hash: str


THEME_URL = "/static/js/theme.js"


def csp_hash(text: str) -> str:
    """The CSP source that allows an inline <script> or <style> of exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _inline(css: str) -> Inline | None:
    """The inline forms of theme.js and the stylesheets, or None where the HTML parser would not
    hand the browser exactly the text hashed: an end tag inside it (`</script`, `</style`), a
    `<!--` or `<script` in the script (the parser's escaped states), or a NUL (replaced). Then
    index.html links both."""
    try:
        theme = _read(THEME_URL)
    except (OSError, UnicodeDecodeError):  # missing (the tests' own folders), or not UTF-8
        return None
    unsafe = re.search(r"</script|<!--|<script", theme, re.I) or re.search(r"</style", css, re.I)
    if unsafe or "\0" in theme or "\0" in css:
        log.warning("theme.js or a stylesheet cannot be written into the page: both are linked")
        return None
    return Inline(theme, csp_hash(theme), css, csp_hash(css))


JS_URL = "/bundle/page.js"
MAP_URL = "/bundle/page.js.map"
CSS_URL = "/bundle/page.css"


def stylesheets() -> list[str]:
    """The stylesheets index.html links, in order: what the CSS bundle holds."""
    return _CSS.findall(TEMPLATE.read_text(encoding="utf-8"))


def build(entry: str = "/static/js/main.js") -> Bundle:
    modules = _order(entry)
    out = ["const __m = Object.create(null);"]
    mappings = [""]
    prev_src = prev_line = 0
    for i, module in enumerate(modules):
        out.append(f"__m[{json.dumps(module.url)}] = await (async () => {{")
        mappings.append("")
        for n, line in enumerate(module.body.split("\n")):
            out.append(line)
            mappings.append("A" + _vlq(i - prev_src) + _vlq(n - prev_line) + "A")
            prev_src, prev_line = i, n
        out.append(f"return {{ {', '.join(module.exports)} }};")
        out.append("})();")
        mappings += ["", ""]
    out.append(f"//# sourceMappingURL={MAP_URL}")
    js = ("\n".join(out) + "\n").encode()
    source_map = {
        "version": 3,
        "file": JS_URL,
        "sources": [m.url for m in modules],
        "names": [],
        "mappings": ";".join(mappings),
    }
    parts = []
    sheets = stylesheets()
    for url in sheets:
        parts.append(f"/* {url} */\n{_read(url)}\n")
    css = "".join(parts).encode()
    etag = lambda b: hashlib.sha256(b).hexdigest()[:20]  # noqa: E731
    map_ = json.dumps(source_map, separators=(",", ":")).encode()
    # a class of 40 loading the page over the room's Wi-Fi: 0.44 MB each becomes 0.13 MB
    # (compressed here, once a build, not once a request; mtime 0: the same bytes every build)
    gz = {k: gzip.compress(v, 9, mtime=0) for k, v in (("js", js), ("map", map_), ("css", css))}
    return Bundle(
        js,
        map_,
        css,
        tuple(m.url for m in modules),
        tuple(sheets),
        etag(js),
        etag(css),
        gz,
        _inline(css.decode()),
    )


_cache: tuple[tuple, Bundle | None] | None = None
_checked = 0.0  # when the files were last looked at (time.monotonic)
RECHECK_S = 1.0  # a page load looks at the files at most this often


def _stamps(bundle: Bundle | None) -> tuple:
    """Size and mtime of what the bundle was made from: the template, its stylesheets, the
    modules (a new import changes the importing file), or every module when there is no bundle."""
    if bundle is None:
        urls = [f"/static/{p.relative_to(STATIC).as_posix()}" for p in STATIC.rglob("*.js")]
    else:
        urls = [*bundle.modules, *bundle.stylesheets, THEME_URL]
    out = []
    for f in [TEMPLATE, *(STATIC / u.removeprefix("/static/") for u in urls)]:
        try:
            st = os.stat(f)
        except OSError:
            continue
        out.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(out)


def current() -> Bundle | None:
    """The bundle of the files as they are now (built again when one changed, looked at once a
    second at most), or None when the modules cannot be bundled (the page then links them one
    by one)."""
    global _cache, _checked
    now = time.monotonic()
    if _cache is not None and now - _checked < RECHECK_S:
        return _cache[1]
    _checked = now
    if _cache is None or _stamps(_cache[1]) != _cache[0]:
        try:
            bundle = build()
        except Unbundlable as err:
            log.warning("the page's modules are served one by one: %s", err)
            bundle = None
        _cache = (_stamps(bundle), bundle)
    return _cache[1]
