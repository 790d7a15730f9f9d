"""Layout of graphs of primitive ops: the column is the depth, rows follow a left-to-right reading.

An op sits one column right of its deepest input; a leaf sits just left of its first consumer,
so a bias added late is drawn beside its addition. Within a column, nodes are ordered as a
depth-first walk from the root meets them, which keeps the drawing close to a tree's.
"""

from __future__ import annotations

from app.engine.graph import Node


def place(nodes: list[Node], root: int) -> None:
    """Set `layer` (column) and `row` of every node; nodes must be in a valid topological order."""
    col = [0] * len(nodes)
    for i, nd in enumerate(nodes):
        if nd.kind == "op":
            col[i] = 1 + max(col[j] for j in nd.inputs)
    first_use: dict[int, int] = {}
    for i, nd in enumerate(nodes):
        if nd.kind == "op":
            for j in nd.inputs:
                if nodes[j].kind != "op":
                    first_use[j] = min(first_use.get(j, col[i]), col[i])
    for j, c in first_use.items():
        col[j] = c - 1
    seen = _postorder(nodes, root)
    rank = {i: r for r, i in enumerate(seen)}
    rows: dict[int, int] = {}
    for i in sorted(range(len(nodes)), key=lambda i: rank.get(i, len(nodes) + i)):
        nodes[i].layer = col[i]
        nodes[i].row = rows.get(col[i], 0)
        rows[col[i]] = nodes[i].row + 1


def _postorder(nodes: list[Node], root: int) -> list[int]:
    """Depth-first post-order from the root, without recursion."""
    out: list[int] = []
    done: set[int] = set()
    stack: list[tuple[int, int]] = [(root, 0)]
    while stack:
        i, k = stack.pop()
        ins = nodes[i].inputs
        if k < len(ins):
            stack.append((i, k + 1))
            if ins[k] not in done:
                stack.append((ins[k], 0))
            continue
        if i not in done:
            done.add(i)
            out.append(i)
    return out
