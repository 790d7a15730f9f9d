"""Layout of expression graphs: columns by depth, leaves beside their first use, rows in reading order."""

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.depth_layout import place
from app.engine.graph import Node
from app.engine.mathfmt import Sym


def leaf(name: str) -> Node:
    return Node(name, "param", Sym(name))


def op(name: str, *inputs: int) -> Node:
    return Node(name, "op", Sym(name), op="add", inputs=inputs)


def layout(nodes: list[Node], root: int | None = None) -> dict[str, tuple[int, int]]:
    place(nodes, len(nodes) - 1 if root is None else root)
    return {nd.id: (nd.layer, nd.row) for nd in nodes}


# ── hand-built graphs, positions reasoned from the rules ─────────────────────


def test_two_sums_multiplied():
    # f = (a + b) · (c + d)
    nodes = [leaf("a"), leaf("b"), op("v1", 0, 1), leaf("c"), leaf("d"), op("v2", 3, 4)]
    nodes.append(op("f", 2, 5))
    assert layout(nodes) == {
        "a": (0, 0),
        "b": (0, 1),
        "c": (0, 2),
        "d": (0, 3),
        "v1": (1, 0),
        "v2": (1, 1),
        "f": (2, 0),
    }


def test_rows_follow_the_roots_reading_order_not_creation_order():
    # f = v2 · v1 with v1 = a + b created first: the walk from f meets v2 (and c, d) first
    nodes = [leaf("a"), leaf("b"), op("v1", 0, 1), leaf("c"), leaf("d"), op("v2", 3, 4)]
    nodes.append(op("f", 5, 2))
    got = layout(nodes)
    assert [got[k] for k in ("c", "d", "a", "b")] == [(0, 0), (0, 1), (0, 2), (0, 3)]
    assert got["v2"] == (1, 0) and got["v1"] == (1, 1)


def test_a_leaf_added_late_sits_beside_its_addition():
    # f = ((a · b) · c) + d: d is first used three columns in, so it sits in column 2
    nodes = [leaf("a"), leaf("b"), op("v1", 0, 1), leaf("c"), op("v2", 2, 3), leaf("d")]
    nodes.append(op("f", 4, 5))
    got = layout(nodes)
    assert got["d"][0] == 2 and got["f"][0] == 3
    assert got["c"][0] == 1 and got["v2"][0] == 2
    assert got["a"][0] == got["b"][0] == 0


def test_a_leaf_used_twice_sits_left_of_its_first_use():
    # f = (a · b) + (b + 1 …): b feeds v1 (column 1) and f (column 2): b is in column 0, once
    nodes = [leaf("a"), leaf("b"), op("v1", 0, 1), op("f", 2, 1)]
    got = layout(nodes)
    assert got["b"] == (0, 1) and got["a"] == (0, 0)
    assert got["v1"] == (1, 0) and got["f"] == (2, 0)


def test_a_node_read_twice_is_placed_once():
    # f = v1 · v1 with v1 = a + a
    nodes = [leaf("a"), op("v1", 0, 0), op("f", 1, 1)]
    assert layout(nodes) == {"a": (0, 0), "v1": (1, 0), "f": (2, 0)}


def test_a_one_input_chain_is_a_row():
    # f = exp(neg(log(a)))
    nodes = [leaf("a"), op("v1", 0), op("v2", 1), op("f", 2)]
    assert layout(nodes) == {"a": (0, 0), "v1": (1, 0), "v2": (2, 0), "f": (3, 0)}


def test_nodes_the_root_does_not_reach_come_after_those_it_does():
    # x feeds nothing the root reads: it still gets a place, below a in column 0
    nodes = [leaf("x"), leaf("a"), op("v1", 0), op("f", 1)]
    got = layout(nodes, root=3)
    assert got["a"] == (0, 0) and got["x"] == (0, 1)
    assert got["f"] == (1, 0) and got["v1"] == (1, 1)


def test_a_deep_chain_needs_no_recursion():
    depth = 5000
    nodes = [leaf("a")] + [op(f"v{k}", k) for k in range(depth)]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursive walk would fail far sooner than 5000 levels
    try:
        place(nodes, depth)
    finally:
        sys.setrecursionlimit(limit)
    assert [nd.layer for nd in nodes] == list(range(depth + 1))
    assert all(nd.row == 0 for nd in nodes)


# ── random DAGs: the contract ────────────────────────────────────────────────


@st.composite
def dags(draw):
    n_leaves = draw(st.integers(1, 4))
    nodes = [leaf(f"x{i}") for i in range(n_leaves)]
    for k in range(draw(st.integers(1, 10))):
        arity = draw(st.integers(1, 2))
        ins = tuple(draw(st.integers(0, len(nodes) - 1)) for _ in range(arity))
        nodes.append(op(f"v{k}", *ins))
    root = draw(st.sampled_from([i for i, nd in enumerate(nodes) if nd.kind == "op"]))
    return nodes, root


def postorder(nodes: list[Node], root: int) -> list[int]:
    """Depth-first post-order, inputs left to right, each node once (recursive: small graphs)."""
    out: list[int] = []

    def visit(i: int) -> None:
        if i in out:
            return
        for j in nodes[i].inputs:
            visit(j)
        if i not in out:
            out.append(i)

    visit(root)
    return out


@settings(max_examples=300, deadline=None)
@given(dags())
def test_layout_contract_on_random_graphs(g):
    nodes, root = g
    place(nodes, root)
    col = [nd.layer for nd in nodes]
    consumers: dict[int, list[int]] = {}
    for i, nd in enumerate(nodes):
        for j in nd.inputs:
            consumers.setdefault(j, []).append(i)
    for i, nd in enumerate(nodes):
        if nd.kind == "op":
            # one column right of its deepest input, so every edge points right
            assert col[i] == 1 + max(col[j] for j in nd.inputs)
        elif i in consumers:
            assert col[i] == min(col[c] for c in consumers[i]) - 1  # just left of its first use
        assert col[i] >= 0
    # no two nodes share a place, and each column's rows are 0, 1, 2, …
    places = [(nd.layer, nd.row) for nd in nodes]
    assert len(set(places)) == len(nodes)
    for c in set(col):
        assert sorted(nd.row for nd in nodes if nd.layer == c) == list(range(col.count(c)))
    # within a column, the walk from the root orders the rows; unreached nodes come last
    walk = postorder(nodes, root)
    rank = {i: r for r, i in enumerate(walk)}
    for c in set(col):
        in_col = sorted((nd.row, i) for i, nd in enumerate(nodes) if nd.layer == c)
        keys = [(rank.get(i, len(nodes) + i)) for _, i in in_col]
        assert keys == sorted(keys)
