"""A small network's most common steps explained from a skeleton: the words and the renderings'
templates of that step of that shape, with this scenario's numbers written into them.

Explainer builds every explanation as a tree, and render_all finds its template by walking it:
most of a small step's time. But for a weighted sum's forward step, its backward edges (one
sample), a sigmoid's forward step and backward edge, and plain SGD's update, the tree is the
same for every scenario of the shape but for its numbers, and those are read from the state:
which numbers, in which order, is known from the step alone. The template depends on the numbers
only through their signs (brackets go around a negative number) and whether one is a whole
number from 0 to 9 (an exponent written as a superscript), so a skeleton keeps one per such
pattern, learnt from the general way: the first time a pattern is met the step is explained as
always, and its numbers, words, value and what it adds are compared with the skeleton's; only
when all are the same (to the bit) is the template kept, and the next step of that pattern is
written from it. Any other step, a pattern whose comparison failed, or a number that is not
finite takes the general way (tests/engine/test_skeleton.py holds both to the same bytes over
random networks). The templates of every skeleton are kept together (KEPT: 16 MiB, least recently
used first out), and a step learns at most PATTERNS patterns: a network of 2,000 nodes has
thousands of steps, each with dozens of patterns, which kept without a bound grew to gigabytes.
"""

from __future__ import annotations

import itertools
import json
import math
import string
import sys
from typing import TYPE_CHECKING

import numpy as np

from app.engine.answers import Rows, StepView
from app.engine.explain import Explainer, Explanation
from app.engine.mathfmt import (
    Fmt,
    Num,
    Templates,
    Untemplated,
    escaped,
    mark_ref,
    num_latex,
    num_mathml,
)
from app.engine.plan import Step
from app.engine.registry.base import ONE as CONST_ONE
from app.engine.registry.base import Const
from app.engine.stepper import MEAN_OF_ONE, mean
from app.memo import MB, Memo

if TYPE_CHECKING:
    from app.engine.lesson import Lesson

_text = json.encoder.encode_basestring  # the encoder's own writer of a str (ensure_ascii=False)
_FAILED = False  # a pattern of signs whose comparison failed: always the general way
PATTERNS = 64  # patterns learnt per step at most (a sigmoid step's 6 numbers make 12**6)
TEMPLATE_BYTES = 16 * MB  # every skeleton's templates together, least recently used first out
_tokens = itertools.count()  # a skeleton's own key in KEPT (an id() could be a dead one's)
# (skeleton's token, pattern) → (its template or _FAILED, the template JSON-escaped, bytes)
KEPT: Memo[tuple] = Memo(TEMPLATE_BYTES, lambda entry: entry[2], 16)
_FAILED_ENTRY = (_FAILED, None, 100)


class Skeleton:
    """One step of one graph shape: its kind (forward, backward or update) and what it reads."""

    def __init__(self, kind: str, numbers: list[tuple], words: str | None = None):
        self.kind = kind
        self.numbers = numbers  # per number: (source, node, ref, of); source "one" is ONE
        self.words = words  # the sentence, when it depends on the shape alone
        self.token = next(_tokens)  # its templates' key in KEPT, with their pattern
        self.tried = 0  # patterns learnt (or failed) so far, at most PATTERNS
        self.attrs: list[str | None] | None = None  # its numbers' MathML attributes, escaped


def skeleton(lesson: Lesson, step: Step, ex: Explainer) -> Skeleton | None:
    """The step's skeleton, or None when it has none (kept on the graph: its shape's)."""
    if not ex.templated or ex.m != 1:
        return None
    memo = lesson.graph.memo.get("skeletons")
    if memo is None:
        memo = lesson.graph.memo["skeletons"] = {}
    sk = memo.get(step.index, _FAILED)
    if sk is _FAILED:
        sk = memo[step.index] = _make(lesson, step)
    if sk is not None and sk.kind == "update" and not ex.s.rule.plain:
        return None  # an optimizer's update: its own lines
    return sk


def _make(lesson: Lesson, step: Step) -> Skeleton | None:
    g = lesson.graph
    nd = g.nodes[step.node]
    if nd.op == "act" and nd.attrs.get("activation") == "sigmoid" and step.phase != "update":
        return _sigmoid(lesson, step)
    if nd.op != "wsum" and step.phase != "update":
        return None
    if step.phase == "forward":
        ins, k = nd.inputs, nd.attrs["fan_in"]
        items = [[("val", ins[k + j]), ("val", ins[j])] for j in range(k)] + [[("val", ins[2 * k])]]
        if len(items) > 6:  # registry.base.terms: the first two, …, the last
            items = [*items[:2], *items[-1:]]
        numbers = [(src, i, g.nodes[i].id, "value") for item in items for src, i in item]
        return Skeleton("forward", [*numbers, ("val", step.node, nd.id, "value")])
    if step.phase == "update":
        p, pid = step.target, g.nodes[step.target].id
        numbers = [("old", p, pid, "old"), ("lr", p, "", "value"), ("pgrad", p, pid, "grad")]
        return Skeleton("update", [*numbers, ("new", p, pid, "value")])
    ins, k, pos, j = nd.inputs, nd.attrs["fan_in"], step.position, step.target
    numbers = []
    if pos >= 2 * k:  # the bias: its local derivative is the constant 1
        numbers.append(("one", -1, "", "value"))
    if g.fan_out[j] > 1:
        numbers.append(("before", -1, "", "value"))
    numbers.append(("gval", step.node, nd.id, "grad"))
    if pos < 2 * k:
        local = ins[k + pos] if pos < k else ins[pos - k]
        numbers.append(("val", local, g.nodes[local].id, "value"))
    else:
        numbers.append(("one", -1, "", "value"))
    return Skeleton("backward", [*numbers, ("gval", j, g.nodes[j].id, "grad")])


def _sigmoid(lesson: Lesson, step: Step) -> Skeleton:
    """A sigmoid's forward step (σ(z) = 1/(1 + e^−z), the constants 1 and −z among its numbers)
    and its backward edge (δ = ∂L/∂a · a(1 − a))."""
    g = lesson.graph
    i, nd = step.node, g.nodes[step.node]
    z, one = nd.inputs[0], ("const", -1, "", "value")
    a = ("val", i, nd.id, "value")
    if step.phase == "forward":
        return Skeleton("forward", [one, one, one, one, ("negval", z, "", "value"), a])
    j = step.target
    numbers = [one]
    if g.fan_out[j] > 1:
        numbers.append(("before", -1, "", "value"))
    numbers += [("gval", i, nd.id, "grad"), a, one, a, ("gval", j, g.nodes[j].id, "grad")]
    return Skeleton("backward", numbers)


def _read(ex: Explainer, sk: Skeleton, before: float) -> list[float]:
    s, out = ex.s, []
    for src, i, _, _ in sk.numbers:
        if src == "val":
            out.append(ex.val(i))
        elif src == "gval":
            out.append(ex.gval(i))
        elif src == "one" or src == "const":
            out.append(1.0)
        elif src == "negval":
            out.append(-ex.val(i))
        elif src == "before":
            out.append(before)
        elif src == "old":
            out.append(float(s.P0[i]))
        elif src == "new":
            out.append(float(s.P[i]))
        elif src == "pgrad":
            out.append(float(s.pgrad[i]))
        else:  # "lr"
            out.append(float(s.lr))
    return out


def _added(lesson: Lesson, step: Step, ex: Explainer, values: list[float]) -> float:
    """What the backward step adds, as Explainer.backward computes it."""
    g, s = lesson.graph, ex.s
    i, j, pos = step.node, step.target, step.position
    nd = g.nodes[i]
    if nd.op == "act":  # the sigmoid's slope a·(1 − a), as its grad computes it
        a = values[-2]
        return ex.gval(i) * (a * (1.0 - a))
    k = nd.attrs["fan_in"]
    upv = ex.gval(i)
    local = values[-2]  # the local derivative's number (w, a, or the constant 1)
    if g.nodes[j].kind != "param":
        return upv * local
    up = s.G[s.slot[i]]
    if len(up) == 1 and MEAN_OF_ONE:  # mean(δ·local) of one sample: 0.0 + it, divided by 1
        local = float(s.V[s.slot[nd.inputs[pos - k]], 0]) if pos < 2 * k else 1.0
        return (0.0 + upv * local) / 1
    local_all = s.V[s.slot[nd.inputs[pos - k]]] if pos < 2 * k else np.ones_like(up)
    with np.errstate(all="ignore"):
        return float(mean(up * local_all))


def view(
    lesson: Lesson,
    step: Step,
    ex: Explainer,
    sk: Skeleton,
    before: float,
    fmt: Fmt,
    written: bool = False,
):
    """The step's StepView written from its skeleton, or None: the general way (and learn).
    `written`: its explanation as the JSON dump writes (Rows), from the templates escaped."""
    values = _read(ex, sk, before)
    signs = _pattern(values)
    kept = None if signs is None else KEPT.get((sk.token, signs))
    if not kept or not kept[0]:
        return None
    made = kept[0]
    if written:  # the numbers' forms as the JSON dump writes them, escaped already
        texts, latexes, mathmls = _escaped_forms(sk, values, fmt)
    else:
        texts, latexes, mathmls = _forms(sk, values, fmt)
    if sk.kind == "update":
        words = ex.update_words(ex.sym(step.target), values[0], values[-1], values[2])
    else:
        words = sk.words
    if written:
        whole = kept[3]
        if whole is not None:  # one template for all of it
            explained = Rows(whole.format(*texts, *latexes, *mathmls, _text(words)))
        else:
            explained = _written(kept[1], texts, latexes, mathmls, words)
    else:
        shown = [
            {"text": t.format(*texts), "latex": l.format(*latexes), "mathml": m.format(*mathmls)}
            for t, l, m in made
        ]
        explained = {
            "formula": shown[0],
            "substituted": shown[1],
            "result": shown[2],
            "sentence": words,
            "lines": None,
        }
    return _view(lesson, step, ex, sk, values, explained)


def _forms(sk: Skeleton, values: list[float], fmt: Fmt) -> tuple[list, list, list]:
    """Each number's text, LaTeX and MathML (Num.forms; Const's for the registry's 1)."""
    texts, latexes, mathmls = [], [], []
    for (src, _, ref, of), v in zip(sk.numbers, values, strict=True):
        if src == "const":  # the registry's constant 1 (Const): written whatever the precision
            t, l, m = CONST_ONE.text(fmt), CONST_ONE.latex(fmt), CONST_ONE.mathml(fmt)
        else:  # Num.forms (explain.ONE, the bias's 1, is a Num)
            t = fmt.number(v)
            l, m = num_latex(t), mark_ref(num_mathml(t), ref, of)
        texts.append(t)
        latexes.append(l)
        mathmls.append(m)
    return texts, latexes, mathmls


_ONE_FORMS = tuple(
    _text(f(Fmt()))[1:-1] for f in (CONST_ONE.text, CONST_ONE.latex, CONST_ONE.mathml)
)


def _escaped_forms(sk: Skeleton, values: list[float], fmt: Fmt) -> tuple[list, list, list]:
    """_forms JSON-escaped, written so: a finite number's text is digits, '.', 'e', '+' and
    '−' (nothing to escaped); its LaTeX has a backslash only in scientific notation; its
    MathML is <mn> (or <mrow> for a negative one) with the skeleton's data-ref and data-of,
    whose escaped form is kept on the skeleton (from the shape alone)."""
    attrs = sk.attrs
    if attrs is None:  # per number: None for the constant 1, else the escaped attributes
        attrs = sk.attrs = [
            None
            if src == "const"
            else (_text(f' data-ref="{escaped(ref)}" data-of="{of}"')[1:-1] if ref else "")
            for src, _, ref, of in sk.numbers
        ]
    texts, latexes, mathmls = [], [], []
    for attr, v in zip(attrs, values, strict=True):
        if attr is None:  # the registry's constant 1 (Const): written whatever the precision
            t, l, m = _ONE_FORMS
        else:
            t = fmt.number(v)
            l = num_latex(t)
            if "\\" in l:
                l = _text(l)[1:-1]
            if t[0] == "−":
                m = f"<mrow{attr}><mo>−</mo><mn>{t[1:]}</mn></mrow>"
            else:
                m = f"<mn{attr}>{t}</mn>"
        texts.append(t)
        latexes.append(l)
        mathmls.append(m)
    return texts, latexes, mathmls


def _view(lesson, step, ex, sk, values, explained) -> StepView:
    g, s = lesson.graph, ex.s
    nd, target = g.nodes[step.node], g.nodes[step.target].id
    out = StepView(
        step.index, step.phase, nd.id, target, None, values[-1], None, None, None, explained
    )
    if sk.kind == "backward":
        out.edge = f"{target}__{nd.id}"
        out.contribution = [int(s.received[step.target]), g.fan_out[step.target]]
        out.added = _added(lesson, step, ex, values)
    elif sk.kind == "update":
        old, new = float(s.P0[step.target]), float(s.P[step.target])
        out.direction = "up" if new > old else ("down" if new < old else "none")
    return out


def _written(escaped, texts, latexes, mathmls, words) -> Rows:
    """The explanation object as dump writes it, from the template and the numbers' forms
    escaped already. JSON escapes a string character by character, so the escaped template
    filled with the escaped numbers is the filled template escaped."""
    shown = [
        f'{{"text":"{t.format(*texts)}","latex":"{l.format(*latexes)}",'
        f'"mathml":"{m.format(*mathmls)}"}}'
        for t, l, m in escaped
    ]
    return Rows(
        f'{{"formula":{shown[0]},"substituted":{shown[1]},"result":{shown[2]},'
        f'"sentence":{_text(words)},"lines":null}}'
    )


_FORMATTER = string.Formatter()


def _renumbered(template: str, offset: int) -> str | None:
    """A str.format template with its fields {k} made {k + offset} (None: a field of another
    kind, which the templates do not have)."""
    out = []
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            if not name.isdigit() or spec or conversion:
                return None
            out.append(f"{{{int(name) + offset}}}")
    return "".join(out)


def _whole(escaped: tuple, n: int) -> str | None:
    """_written's object as one str.format template: the escaped templates of the formula, the
    substitution and the result, their fields renumbered (the n texts, then the n LaTeX forms,
    then the n MathML forms), and the sentence, escaped, last. One call writes it all."""
    rows = []
    for t, l, m in escaped:
        forms = (_renumbered(t, 0), _renumbered(l, n), _renumbered(m, 2 * n))
        if None in forms:
            return None
        t, l, m = forms  # literal braces doubled: the result is a template itself
        rows.append(f'{{{{"text":"{t}","latex":"{l}","mathml":"{m}"}}}}')
    formula, substituted, result = rows
    return (
        f'{{{{"formula":{formula},"substituted":{substituted},"result":{result},'
        f'"sentence":{{{3 * n}}},"lines":null}}}}'
    )


def learn(
    lesson: Lesson, step: Step, ex: Explainer, sk: Skeleton, e: Explanation, before: float, fmt
) -> None:
    """Compare the skeleton with the general way's explanation `e` of the same step; keep the
    template of its pattern of signs when every number, word, value and addend is the same."""
    values = _read(ex, sk, before)
    signs = _pattern(values)
    key = (sk.token, signs)
    if signs is None or sk.tried >= PATTERNS or KEPT.get(key) is not None:
        return
    sk.tried += 1
    KEPT.put(key, _FAILED_ENTRY)
    if e.lines or not e.templated or e.figures:  # numbers in its words: the general way
        return
    exprs, nums = (e.formula, e.substituted, e.result), []
    try:
        for x in exprs:
            x._key(nums)
    except Untemplated:
        return
    if len(nums) != len(values):
        return
    for x, v, (src, _, ref, of) in zip(nums, values, sk.numbers, strict=True):
        kind = Const if src == "const" else Num
        if type(x) is not kind or not _same(x.value, v) or (x.ref, x.of) != (ref, of):
            return
    if not _same(e.value, values[-1]):
        return
    if sk.kind == "backward" and not _same(e.added, _added(lesson, step, ex, values)):
        return
    if sk.kind == "update":
        if e.sentence != ex.update_words(ex.sym(step.target), values[0], values[-1], values[2]):
            return
    elif sk.words is None:
        sk.words = e.sentence  # the shape's: the same for every scenario of it
    elif sk.words != e.sentence:
        return
    made = Templates._make(exprs, nums, fmt)
    if made is not None and nums:
        escaped = tuple(tuple(_text(x)[1:-1] for x in forms) for forms in made)
        whole = _whole(escaped, len(nums))
        if whole is not None:  # checked once against the three templates it joins
            texts, latexes, mathmls = _escaped_forms(sk, values, fmt)
            words = sk.words if sk.kind != "update" else e.sentence
            if (
                whole.format(*texts, *latexes, *mathmls, _text(words))
                != _written(escaped, texts, latexes, mathmls, words).json
            ):
                whole = None
        size = 200 + sum(sys.getsizeof(x) for forms in (*made, *escaped) for x in forms)
        size += sys.getsizeof(whole)
        KEPT.put(key, (made, escaped, size, whole))


def _pattern(values: list[float]) -> tuple | None:
    """What of the numbers a template depends on (Expr._key): each one's sign, and whether it
    is a whole number from 0 to 9 (an exponent written as a superscript: _small_power). None
    when one is not finite: such a step is always explained the general way (which says what
    an infinite exponent does to its rendering)."""
    if not all(map(math.isfinite, values)):
        return None
    return tuple([(v < 0, v if v == int(v) and 0 <= v < 10 else None) for v in values])


def _same(a: float | None, b: float | None) -> bool:
    """The same float to the bit (NaN as NaN, −0.0 apart from 0.0)."""
    if a is None or b is None:
        return a is b
    return math.copysign(1.0, a) == math.copysign(1.0, b) and (
        a == b or (math.isnan(a) and math.isnan(b))
    )
