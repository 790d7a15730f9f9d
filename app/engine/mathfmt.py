"""A tiny math tree rendered three ways: Unicode text, LaTeX and MathML.

Explanations are built once as trees and rendered for people (text), tools (LaTeX) and the page
(MathML), so the three can never disagree.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field, fields, is_dataclass, replace
from html import escape as html_escape

from app.memo import Memo

_SUB = str.maketrans("0123456789,()+-=", "₀₁₂₃₄₅₆₇₈₉,₍₎₊₋₌")
_SUP = str.maketrans("0123456789,()+-=", "⁰¹²³⁴⁵⁶⁷⁸⁹,⁽⁾⁺⁻⁼")
# fmt: off
_LATEX_NAMES = {
    "δ": r"\delta", "η": r"\eta", "σ": r"\sigma", "ŷ": r"\hat{y}", "ℓ": r"\ell", "α": r"\alpha",
    "π": r"\pi", "Σ": r"\sum", "∂": r"\partial", "·": r"\cdot", "×": r"\times", "−": "-",
    "…": r"\ldots", "←": r"\leftarrow", "tanh": r"\tanh",
    "exp": r"\exp", "log": r"\log", "max": r"\max", "½": r"\tfrac{1}{2}", "Σₛ": r"\sum_{s}",
    "min": r"\min",
}
# fmt: on
MEMO = 4096  # strings and numbers kept written, per memo below (cleared when full)
_ESCAPED: dict[str, str] = {}
_NUMBERS: dict[tuple, str] = {}
_SYMS: dict[tuple, tuple[str, str, str]] = {}


def superscript(s: str) -> str:
    """s in superscript characters (digits, signs, brackets): ⁽¹⁾ for (1)."""
    return s.translate(_SUP)


def escaped(s: str) -> str:
    """html.escaped(s), kept: the same few names and operators are escaped in every answer."""
    out = _ESCAPED.get(s)
    if out is None:
        if len(_ESCAPED) >= MEMO:
            _ESCAPED.clear()
        out = _ESCAPED[s] = html_escape(s)
    return out


class Expr:
    """Base of the tree; `prec` orders binding strength for parentheses."""

    prec = 9

    def text(self, fmt: Fmt) -> str:
        raise NotImplementedError

    def latex(self, fmt: Fmt) -> str:
        raise NotImplementedError

    def mathml(self, fmt: Fmt) -> str:
        raise NotImplementedError

    def to(self, ref: str, of: str = "value") -> Expr:
        """The same, marked as naming graph element `ref`'s `of` (Sym and Num; see mark_ref)."""
        return self

    def _key(self, nums: list) -> tuple:
        """What the renderings depend on besides the numbers' own strings (see `render`): the
        classes, words and symbols, and of each number its class and sign; its Num objects are
        appended to `nums` in the order of the tree's fields. Classes of their own are not
        templated."""
        raise Untemplated


UNDEFINED = "undefined"  # how a number that is not finite (±∞, NaN) is written


@dataclass(frozen=True)
class Fmt:
    """How numbers are shown: fixed decimals, switching to scientific for tiny or huge values."""

    precision: int = 4
    cellwise: bool = False  # text over matrices: products and quotients of them ⊙, ⊘ (cellwise)

    def number(self, v: float) -> str:
        """v written with this precision (kept: one number is written in text, LaTeX and
        MathML, and the same few constants in every explanation)."""
        key = (self.precision, v)
        out = _NUMBERS.get(key)
        if out is None:
            if len(_NUMBERS) >= MEMO:
                _NUMBERS.clear()
            out = _NUMBERS[key] = self._number(v)
        return out

    def _number(self, v: float) -> str:
        if v is None or not math.isfinite(v):  # ±∞ and NaN: a class reads a word, not "NaN"
            return UNDEFINED
        a = abs(v)
        if v == int(v) and a < 1e6:
            s = str(int(v))
        elif a != 0 and (a < 10 ** (-self.precision) or a >= 1e6):
            s = f"{v:.{max(self.precision - 1, 1)}e}"
        else:
            s = f"{v:.{self.precision}f}"
        return s.replace("-", "−")


def mark_ref(mathml: str, ref: str, of: str) -> str:
    """The element's first tag, marked with what it stands for: data-ref (a node or parameter id
    of the graph) and data-of (which of its quantities: value, grad or old). The page highlights
    the graph element a term refers to; text and LaTeX are unchanged."""
    if not ref:
        return mathml
    end = mathml.index(">")
    return f'{mathml[:end]} data-ref="{escaped(ref)}" data-of="{of}"{mathml[end:]}'


def _ltx(s: str) -> str:
    if s in _LATEX_NAMES:
        return _LATEX_NAMES[s]
    return "".join(_LATEX_NAMES.get(ch, ch) for ch in s)


def _fname(name: str) -> str:
    """A function's name in LaTeX: \\tanh, or \\operatorname{relu}' (upright, not r·e·l·u)."""
    base, primes = name.rstrip("'"), "'" * (len(name) - len(name.rstrip("'")))
    if base in _LATEX_NAMES:
        return _LATEX_NAMES[base] + primes
    if len(base) > 1 and base.isalpha() and base.isascii():
        return r"\operatorname{" + base + "}" + primes
    return _ltx(name)


def _index(sub: str) -> str:
    """A subscript in MathML: 10,3 (two indices, one with two digits) as 10 , 3."""
    if "," not in sub:
        return f"<mn>{escaped(sub)}</mn>"
    parts = "<mo>,</mo>".join(f"<mn>{escaped(p)}</mn>" for p in sub.split(","))
    return f"<mrow>{parts}</mrow>"


@dataclass(frozen=True)
class Sym(Expr):
    base: str
    sub: str = ""
    sup: str = ""
    ref: str = field(default="", compare=False)  # what it names in the graph (mark_ref)
    of: str = field(default="value", compare=False)

    def to(self, ref: str, of: str = "value") -> Sym:
        # Sym(self.base, self.sub, self.sup, ref, of), without the frozen __init__'s five
        # object.__setattr__ calls (explanations make a dozen of these per step)
        new = object.__new__(Sym)
        d = new.__dict__
        d["base"], d["sub"], d["sup"], d["ref"], d["of"] = self.base, self.sub, self.sup, ref, of
        return new

    def _key(self, nums: list) -> tuple:
        return (Sym, self.base, self.sub, self.sup, self.ref, self.of)

    def _forms(self) -> tuple[str, str, str]:
        """Text, LaTeX and untagged MathML: the same for every symbol of this name (kept)."""
        key = (self.base, self.sub, self.sup)
        out = _SYMS.get(key)
        if out is None:
            if len(_SYMS) >= MEMO:
                _SYMS.clear()
            out = _SYMS[key] = (self._text(), self._latex(), self._mathml())
        return out

    def text(self, fmt: Fmt) -> str:
        return self._forms()[0]

    def latex(self, fmt: Fmt) -> str:
        return self._forms()[1]

    def mathml(self, fmt: Fmt) -> str:
        return mark_ref(self._forms()[2], self.ref, self.of)

    def _text(self) -> str:
        sup = self.sup.translate(_SUP) if self.sup else ""
        sub = self.sub.translate(_SUB) if self.sub else ""
        return f"{self.base}{sup}{sub}"

    def _latex(self) -> str:
        out = _ltx(self.base)
        if len(self.base) > 1 and self.base not in _LATEX_NAMES:
            out = r"\mathrm{" + out.replace("_", r"\_") + "}"
        if self.sup:
            out += "^{" + self.sup + "}"
        if self.sub:
            out += "_{" + self.sub + "}"
        return out

    def _mathml(self) -> str:
        base = f"<mi>{escaped(self.base)}</mi>"
        if self.sub and self.sup:
            return f"<msubsup>{base}{_index(self.sub)}<mn>{escaped(self.sup)}</mn></msubsup>"
        if self.sub:
            return f"<msub>{base}{_index(self.sub)}</msub>"
        if self.sup:
            return f"<msup>{base}<mn>{escaped(self.sup)}</mn></msup>"
        return base


@dataclass(frozen=True)
class Num(Expr):
    value: float
    ref: str = field(default="", compare=False)  # the graph quantity this number is (mark_ref)
    of: str = field(default="value", compare=False)

    def to(self, ref: str, of: str = "value") -> Num:
        return Num(self.value, ref, of)

    def _key(self, nums: list) -> tuple:
        nums.append(self)
        return (type(self), self.value is not None and self.value < 0)

    def text(self, fmt: Fmt) -> str:
        return fmt.number(self.value)

    def latex(self, fmt: Fmt) -> str:
        return num_latex(fmt.number(self.value))

    def mathml(self, fmt: Fmt) -> str:
        return mark_ref(num_mathml(fmt.number(self.value)), self.ref, self.of)

    def forms(self, fmt: Fmt) -> tuple[str, str, str]:
        """(text, latex, mathml), the number written once (a subclass's methods are its own)."""
        if type(self) is not Num:
            return self.text(fmt), self.latex(fmt), self.mathml(fmt)
        s = fmt.number(self.value)
        return s, num_latex(s), mark_ref(num_mathml(s), self.ref, self.of)

    @property
    def negative(self) -> bool:
        return self.value is not None and self.value < 0


def num_latex(s: str) -> str:
    if s == UNDEFINED:  # Fmt.number's non-finite numbers
        return r"\text{undefined}"
    s = s.replace("−", "-")
    if "e" in s:
        mant, exp = s.split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return s


def num_mathml(s: str) -> str:
    if s == UNDEFINED:
        return f"<mtext>{UNDEFINED}</mtext>"
    if s.startswith("−"):
        return f"<mrow><mo>−</mo><mn>{s[1:]}</mn></mrow>"
    return f"<mn>{s}</mn>"


@dataclass(frozen=True)
class Word(Expr):
    """A literal word or symbol such as … or 'if'."""

    word: str

    def text(self, fmt: Fmt) -> str:
        return self.word

    def _key(self, nums: list) -> tuple:
        return (Word, self.word)

    def latex(self, fmt: Fmt) -> str:
        return _ltx(self.word) if self.word in _LATEX_NAMES else r"\text{" + self.word + "}"

    def mathml(self, fmt: Fmt) -> str:
        return (
            f"<mtext>{escaped(self.word)}</mtext>"
            if self.word.isalpha()
            else f"<mo>{escaped(self.word)}</mo>"
        )


def _wrap(e: Expr, need: bool, fmt: Fmt, how: str) -> str:
    inner = getattr(e, how)(fmt)
    if not need:
        return inner
    if how == "text":
        return f"({inner})"
    if how == "latex":
        return rf"\left({inner}\right)"
    return f"<mrow><mo>(</mo>{inner}<mo>)</mo></mrow>"


def _needs_parens(child: Expr, parent_prec: int, right: bool = False) -> bool:
    if isinstance(child, Num) and child.negative:
        return True
    return child.prec < parent_prec or (right and child.prec == parent_prec and parent_prec == 1)


@dataclass(frozen=True)
class Bin(Expr):
    """Infix operator: + − (prec 1), · × (prec 2)."""

    op: str
    left: Expr
    right: Expr

    @property
    def prec(self) -> int:  # type: ignore[override]
        return 1 if self.op in "+−" else 2

    def _key(self, nums: list) -> tuple:
        return (Bin, self.op, self.left._key(nums), self.right._key(nums))

    def _parts(self, fmt: Fmt, how: str) -> tuple[str, str]:
        left_neg_ok = self.prec == 1 and isinstance(self.left, Num)
        lp = _needs_parens(self.left, self.prec) and not left_neg_ok
        rp = _needs_parens(self.right, self.prec, right=self.op == "−")
        return _wrap(self.left, lp, fmt, how), _wrap(self.right, rp, fmt, how)

    def text(self, fmt: Fmt) -> str:
        a, b = self._parts(fmt, "text")
        op = self.op
        if fmt.cellwise and op in "·×":  # cell by cell between matrices, else a scalar's ·
            op = "⊙" if contains(self.left, _matrix) and contains(self.right, _matrix) else "·"
        return f"{a} {op} {b}"

    def latex(self, fmt: Fmt) -> str:
        a, b = self._parts(fmt, "latex")
        return f"{a} {_ltx(self.op)} {b}"

    def mathml(self, fmt: Fmt) -> str:
        a, b = self._parts(fmt, "mathml")
        return f"<mrow>{a}<mo>{escaped(self.op)}</mo>{b}</mrow>"


@dataclass(frozen=True)
class Chain(Expr):
    """A run of terms joined by one operator: a + b + … + c."""

    op: str
    terms: tuple[Expr, ...]

    @property
    def prec(self) -> int:  # type: ignore[override]
        return 1 if self.op in "+−" else 2

    def _key(self, nums: list) -> tuple:
        return (Chain, self.op, *[t._key(nums) for t in self.terms])

    def _each(self, fmt: Fmt, how: str) -> list[str]:
        out = []
        for i, t in enumerate(self.terms):
            need = _needs_parens(t, self.prec) and not (
                i == 0 and self.prec == 1 and isinstance(t, Num)
            )
            out.append(_wrap(t, need, fmt, how))
        return out

    def text(self, fmt: Fmt) -> str:
        return f" {self.op} ".join(self._each(fmt, "text"))

    def latex(self, fmt: Fmt) -> str:
        return f" {_ltx(self.op)} ".join(self._each(fmt, "latex"))

    def mathml(self, fmt: Fmt) -> str:
        return "<mrow>" + f"<mo>{escaped(self.op)}</mo>".join(self._each(fmt, "mathml")) + "</mrow>"


@dataclass(frozen=True)
class Frac(Expr):
    num: Expr
    den: Expr
    prec = 2

    def _key(self, nums: list) -> tuple:
        return (Frac, self.num._key(nums), self.den._key(nums))

    def text(self, fmt: Fmt) -> str:
        n = _wrap(self.num, self.num.prec < 3, fmt, "text")
        d = _wrap(
            self.den,
            self.den.prec < 3 or isinstance(self.den, Num) and self.den.negative,
            fmt,
            "text",
        )
        if fmt.cellwise and contains(self.den, _matrix):  # cell by cell
            return f"{n} ⊘ {d}"
        return f"{n}/{d}"

    def latex(self, fmt: Fmt) -> str:
        return r"\frac{" + self.num.latex(fmt) + "}{" + self.den.latex(fmt) + "}"

    def mathml(self, fmt: Fmt) -> str:
        return f"<mfrac>{self.num.mathml(fmt)}{self.den.mathml(fmt)}</mfrac>"


@dataclass(frozen=True)
class Partial(Expr):
    """∂top/∂bottom."""

    top: Expr
    bottom: Expr
    prec = 3
    ref: str = field(default="", compare=False)  # whose gradient it is (mark_ref)

    def _key(self, nums: list) -> tuple:
        return (Partial, self.top._key(nums), self.bottom._key(nums), self.ref)

    def text(self, fmt: Fmt) -> str:
        return f"∂{self.top.text(fmt)}/∂{self.bottom.text(fmt)}"

    def latex(self, fmt: Fmt) -> str:
        return (
            r"\frac{\partial " + self.top.latex(fmt) + r"}{\partial " + self.bottom.latex(fmt) + "}"
        )

    def mathml(self, fmt: Fmt) -> str:
        return mark_ref(
            f"<mfrac><mrow><mo>∂</mo>{self.top.mathml(fmt)}</mrow>"
            f"<mrow><mo>∂</mo>{self.bottom.mathml(fmt)}</mrow></mfrac>",
            self.ref,
            "grad",
        )


@dataclass(frozen=True)
class Pow(Expr):
    base: Expr
    exp: Expr
    prec = 3

    def _key(self, nums: list) -> tuple:
        return (Pow, self.base._key(nums), self.exp._key(nums), _small_power(self.exp))

    def _base(self, fmt: Fmt, how: str) -> str:
        """The base, bracketed unless it is a single symbol, call or positive number."""
        neg = isinstance(self.base, Num) and self.base.negative
        return _wrap(self.base, self.base.prec < 4 or neg, fmt, how)

    def text(self, fmt: Fmt) -> str:
        b = self._base(fmt, "text")
        if (
            isinstance(self.exp, Num)
            and 0 <= self.exp.value < 10  # first: int() of an infinite or NaN exponent raises
            and self.exp.value == int(self.exp.value)
        ):
            return b + str(int(self.exp.value)).translate(_SUP)
        e = self.exp.text(fmt)
        return f"{b}^({e})" if self.exp.prec < 4 or " " in e else f"{b}^{e}"

    def latex(self, fmt: Fmt) -> str:
        b = self._base(fmt, "latex")
        if isinstance(self.base, Sym) and self.base.sup:
            b = "{" + b + "}"  # a^{(1)}_{1} squared: {a^{(1)}_{1}}^{2}, not a double superscript
        return b + "^{" + self.exp.latex(fmt) + "}"

    def mathml(self, fmt: Fmt) -> str:
        b = self._base(fmt, "mathml")
        return f"<msup>{b}{self.exp.mathml(fmt)}</msup>"


def _small_power(e: Expr) -> float | None:
    """A number exponent that Pow.text writes as a superscript (0 to 9, whole), else None."""
    if isinstance(e, Num):
        v = e.value
        if v is not None and math.isfinite(v) and v == int(v) and 0 <= v < 10:
            return v
    return None


@dataclass(frozen=True)
class Neg(Expr):
    arg: Expr
    prec = 1  # −x is bracketed inside a product: a × (−b)

    def _key(self, nums: list) -> tuple:
        return (Neg, self.arg._key(nums))

    @property
    def _bracket(self) -> bool:
        """−(a + b) and −(−2), not −a + b or −−2."""
        return self.arg.prec < 3 or isinstance(self.arg, Num) and self.arg.negative

    def text(self, fmt: Fmt) -> str:
        return "−" + _wrap(self.arg, self._bracket, fmt, "text")

    def latex(self, fmt: Fmt) -> str:
        return "-" + _wrap(self.arg, self._bracket, fmt, "latex")

    def mathml(self, fmt: Fmt) -> str:
        return "<mrow><mo>−</mo>" + _wrap(self.arg, self._bracket, fmt, "mathml") + "</mrow>"


@dataclass(frozen=True)
class Call(Expr):
    """f(x, y): σ(z), tanh(z), max(0, z)."""

    name: str
    args: tuple[Expr, ...] = field(default_factory=tuple)
    prec = 4

    def _key(self, nums: list) -> tuple:
        return (Call, self.name, *[a._key(nums) for a in self.args])

    def text(self, fmt: Fmt) -> str:
        return f"{self.name}({', '.join(a.text(fmt) for a in self.args)})"

    def latex(self, fmt: Fmt) -> str:
        return (
            _fname(self.name) + r"\left(" + ", ".join(a.latex(fmt) for a in self.args) + r"\right)"
        )

    def mathml(self, fmt: Fmt) -> str:
        args = "<mo>,</mo>".join(a.mathml(fmt) for a in self.args)
        return f"<mrow><mi>{escaped(self.name)}</mi><mo>(</mo>{args}<mo>)</mo></mrow>"


@dataclass(frozen=True)
class Paren(Expr):
    arg: Expr
    prec = 4

    def _key(self, nums: list) -> tuple:
        return (Paren, self.arg._key(nums))

    def text(self, fmt: Fmt) -> str:
        return f"({self.arg.text(fmt)})"

    def latex(self, fmt: Fmt) -> str:
        return rf"\left({self.arg.latex(fmt)}\right)"

    def mathml(self, fmt: Fmt) -> str:
        return f"<mrow><mo>(</mo>{self.arg.mathml(fmt)}<mo>)</mo></mrow>"


@dataclass(frozen=True)
class Rel(Expr):
    """A chain of equal sides: lhs = rhs₁ = rhs₂ (or ← for an assignment)."""

    sides: tuple[Expr, ...]
    op: str = "="
    prec = 0

    def _key(self, nums: list) -> tuple:
        return (Rel, self.op, *[x._key(nums) for x in self.sides])

    def text(self, fmt: Fmt) -> str:
        return f" {self.op} ".join(s.text(fmt) for s in self.sides)

    def latex(self, fmt: Fmt) -> str:
        return f" {_ltx(self.op)} ".join(s.latex(fmt) for s in self.sides)

    def mathml(self, fmt: Fmt) -> str:
        # an assignment's arrow never stretches; left stretchy (MathML's dictionary makes ←
        # so), Chromium hangs its glyph box 18 px below its ink, onto the next row's text
        mo = '<mo stretchy="false">' if self.op == "←" else "<mo>"
        return (
            "<mrow>"
            + f"{mo}{escaped(self.op)}</mo>".join(s.mathml(fmt) for s in self.sides)
            + "</mrow>"
        )


def n(v: float, ref: str = "", of: str = "value") -> Num:
    """Num(float(v), ref, of), made as Sym.to makes a Sym."""
    new = object.__new__(Num)
    d = new.__dict__
    d["value"], d["ref"], d["of"] = float(v), ref, of
    return new


def render(expr: Expr, fmt: Fmt) -> dict[str, str]:
    """The three renderings of one expression (a label, a worksheet's entry), written directly:
    the kept templates are for explanations (render_all), which every step of a shape repeats; a
    graph's labels would fill them with shapes seen once and push those out."""
    return render_direct(expr, fmt)


def render_all(exprs: tuple[Expr, ...], fmt: Fmt) -> list[dict[str, str]]:
    """render(e, fmt) for each of `exprs` (an explanation's), from one template for them all."""
    nums: list[Num] = []
    try:
        key = tuple([e._key(nums) for e in exprs])
    except Untemplated:
        return [render_direct(e, fmt) for e in exprs]
    kept = TEMPLATES.get(key, exprs, nums, fmt)
    if kept is None:
        return [render_direct(e, fmt) for e in exprs]
    if not nums:
        return [{"text": t, "latex": l, "mathml": m} for t, l, m in kept]
    texts, latexes, mathmls = zip(*[x.forms(fmt) for x in nums], strict=True)
    return [
        {"text": t.format(*texts), "latex": l.format(*latexes), "mathml": m.format(*mathmls)}
        for t, l, m in kept
    ]


def render_direct(expr: Expr, fmt: Fmt) -> dict[str, str]:
    """The three renderings of one expression, written by walking its tree (the oracle)."""
    return {
        "text": expr.text(fmt),
        "latex": expr.latex(fmt),
        "mathml": f'<math display="block">{expr.mathml(fmt)}</math>',
    }


# ── templates: an explanation's strings per shape, with slots for its numbers ──
# Every step of every scenario of one network shape writes the same words, symbols and brackets;
# only its numbers differ. An expression's key (Expr._key) holds everything its renderings depend
# on but the numbers' own strings: classes, operators, symbols and the graph ids they name, and of
# each number its class and its sign (brackets go around negative numbers; a small power is
# written ², so a power's exponent is in the key whole). The template is the renderings of the
# same tree with each number replaced by a slot, and the numbers are written into the slots by
# their own methods: the very strings render_direct writes (tests/engine/test_render_templates.py).

TEMPLATES_KEPT = 8_192  # templates kept at most, least recently used first out…
TEMPLATE_BYTES = 16 * 2**20  # …and at most this many bytes of them (estimated), per process


class Untemplated(Exception):
    """An expression of a class the templates do not know: rendered directly."""


@dataclass(frozen=True)
class _Slot(Num):
    """Number k of a template's expression: its value (for its sign), written as a marker."""

    k: int = 0

    def text(self, fmt: Fmt) -> str:
        return f"\x00{self.k}\x01"

    latex = mathml = text


_MARKER = re.compile("\x00(\\d+)\x01")


def _slotted(e: Expr, count: list[int]) -> Expr:
    """e with each number replaced by its slot, numbered in the order of Expr._key."""
    if isinstance(e, Num):
        count[0] += 1
        return _Slot(e.value, k=count[0] - 1)
    if type(e) in (Sym, Word):
        return e
    changes = {}
    for f in fields(e):  # type: ignore[arg-type]
        v = getattr(e, f.name)
        if isinstance(v, Expr):
            changes[f.name] = _slotted(v, count)
        elif isinstance(v, tuple):
            changes[f.name] = tuple(_slotted(x, count) if isinstance(x, Expr) else x for x in v)
    return replace(e, **changes)  # type: ignore[type-var]


def _format_string(s: str) -> str:
    """A rendering with markers as a str.format template: braces doubled, markers {k}."""
    parts = _MARKER.split(s)  # static, k, static, k, …, static
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("{", "{{").replace("}", "}}")
    for i in range(1, len(parts), 2):
        parts[i] = "{" + parts[i] + "}"
    return "".join(parts)


class Templates:
    """Templates by expression key, kept in a Memo (least recently used first out, bounded by
    count and bytes, safe across threads). A key is templated the second time it is seen (a
    large network's steps are each seen once: they are rendered directly, and keep nothing but a
    hash)."""

    def __init__(self, kept: int, budget: int):
        # each entry (template or None, its estimated bytes)
        self._kept: Memo[tuple[tuple | None, int]] = Memo(budget, lambda v: v[1], 1, kept)
        self._seen: set[int] = set()  # hashes of keys seen once
        self._lock = threading.Lock()

    def get(self, key: tuple, exprs: tuple[Expr, ...], nums: list, fmt: Fmt) -> tuple | None:
        """The template of `key` (that of `exprs`): per expression its text, LaTeX and MathML,
        made now if seen before; None: render directly."""
        hit = self._kept.get(key)
        if hit is not None:
            return hit[0]
        with self._lock:
            h = hash(key)
            if h not in self._seen:
                if len(self._seen) >= self._kept.kept:
                    self._seen.clear()
                self._seen.add(h)
                return None
        made = self._make(exprs, nums, fmt)  # None (kept too): this shape is rendered directly
        size = 4 * sum(len(x) for forms in made or () for x in forms) + 200 * (len(nums) + 1)
        self._kept.put(key, (made, size))
        return made

    @staticmethod
    def _make(exprs: tuple[Expr, ...], nums: list, fmt: Fmt) -> tuple | None:
        """The template, checked once against the direct renderings of `exprs` (None if they
        differ: a class whose strings depend on more than its key says)."""
        count = [0]
        shapes = [render_direct(_slotted(e, count), fmt) for e in exprs]
        if count[0] != len(nums):
            return None
        forms = ("text", "latex", "mathml")
        if not nums:
            made = tuple(tuple(shape[f] for f in forms) for shape in shapes)
        else:
            made = tuple(tuple(_format_string(shape[f]) for f in forms) for shape in shapes)
        for e, (t, l, m) in zip(exprs, made, strict=True):
            if nums:
                t = t.format(*[x.text(fmt) for x in nums])
                l = l.format(*[x.latex(fmt) for x in nums])
                m = m.format(*[x.mathml(fmt) for x in nums])
            if render_direct(e, fmt) != {"text": t, "latex": l, "mathml": m}:
                return None
        return made

    def clear(self) -> None:
        self._kept.clear()
        with self._lock:
            self._seen.clear()

    @property
    def used(self) -> int:
        return self._kept.used

    def __len__(self) -> int:
        return len(self._kept)


TEMPLATES = Templates(TEMPLATES_KEPT, TEMPLATE_BYTES)


@dataclass(frozen=True)
class Root(Expr):
    """√x: the argument bracketed in text unless it is a single symbol or call: √v̂, √(0.0123)."""

    arg: Expr
    prec = 4

    def _key(self, nums: list) -> tuple:
        return (Root, self.arg._key(nums))

    def text(self, fmt: Fmt) -> str:
        need = self.arg.prec < 4 or isinstance(self.arg, Num)
        return "√" + _wrap(self.arg, need, fmt, "text")

    def latex(self, fmt: Fmt) -> str:
        return r"\sqrt{" + self.arg.latex(fmt) + "}"

    def mathml(self, fmt: Fmt) -> str:
        return f"<msqrt>{self.arg.mathml(fmt)}</msqrt>"


# ── formulas over matrices, cell by cell ───────────────────────────────────────

_FIELDS: dict[type, tuple[str, ...]] = {}  # each expression class's field names


def _names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls)) if is_dataclass(cls) else ()
    return names


def contains(e: Expr, test) -> bool:
    """Whether e or any expression inside it passes `test` (e first, then its fields in order,
    stopping at the first that passes)."""
    if test(e):
        return True
    if isinstance(e, Sym | Num | Word):  # leaves: nothing inside
        return False
    for name in _names(type(e)):
        v = getattr(e, name)
        if isinstance(v, tuple):
            for x in v:
                if isinstance(x, Expr) and contains(x, test):
                    return True
        elif isinstance(v, Expr) and contains(v, test):
            return True
    return False


@dataclass(frozen=True)
class Matrix(Expr):
    """A matrix in a formula that holds one number per cell (an optimizer's m̂, v̂): `cellwise`
    gives it back apart from the text around it."""

    key: str
    prec = 4

    def text(self, fmt: Fmt) -> str:
        return f"\x02{self.key}\x03"  # a marker, split at by `cellwise`


def _matrix(e: Expr) -> bool:
    return isinstance(e, Matrix)


_MATRIX = re.compile("\x02([^\x03]*)\x03")


def cellwise(e: Expr, fmt: Fmt = Fmt()) -> list[str | Matrix]:
    """e's text, cell by cell (a product of two matrices written ⊙, a quotient by one ⊘, not a
    matrix product), as text pieces and its Matrix leaves in reading order."""
    parts = _MATRIX.split(e.text(replace(fmt, cellwise=True)))  # text, key, text, …, text
    return [Matrix(p) if k % 2 else p for k, p in enumerate(parts)]
