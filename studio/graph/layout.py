"""Layered (Sugiyama-style) layout of a :class:`~studio.graph.ir.Graph`, top to bottom, without Qt.

Why our own layout instead of Graphviz or Netron's dagre: it must run in a worker thread of the studio on
graphs of thousands of nodes in well under a second, with no extra binary. The steps are the classic ones,
each kept linear or near-linear in the graph size:

1. layering: longest path from the sources, then sources pulled down next to their first consumer;
2. long edges are split by dummy vertices, one per crossed layer, so they route around nodes;
3. crossing reduction: a few barycenter sweeps, keeping the ordering with the fewest crossings;
4. x coordinates: each sweep places a layer as close as possible to its neighbours' mean position under the
   minimum-separation constraints, solved exactly per layer by isotonic regression (pool adjacent violators),
   so a chain (one neighbour each way) always lands on one vertical line;
5. edges become polylines: output port, the dummies' centres, input port (ports are spread over a node's top
   and bottom edge when it has several inputs or outputs).

The result is deterministic: no randomness, stable sorts, ties broken by the graph's node order.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from studio.graph.ir import Graph, Node

LAYER_GAP = 44.0  # vertical room between layers: enough for a tensor-shape label under a node
NODE_GAP = 28.0  # horizontal gap between two nodes in a layer
DUMMY_GAP = 12.0  # horizontal gap next to an edge passing through a layer
NODE_HEIGHT = 38.0  # two text lines: title and detail
TITLE_CHAR_W = 8.0  # average advance of the bold 12 px title font, in scene units (measured: 7.9)
DETAIL_CHAR_W = 6.0  # average advance of the 10 px detail font (measured: 5.2)
MIN_NODE_W, MAX_NODE_W = 72.0, 240.0
DETAIL_MAX_CHARS = 30
ORDER_SWEEPS = 8
X_SWEEPS = 6
MARGIN = 24.0

_SHORT_OPS = {
    "BatchNormalization": "BatchNorm",
    "GlobalAveragePool": "GlobalAvgPool",
    "LayerNormalization": "LayerNorm",
    "InstanceNormalization": "InstanceNorm",
}

EdgeKey = tuple[str, str, str]
Point = tuple[float, float]


@dataclass(frozen=True)
class NodeBox:
    """Where a node is drawn: centre ``(x, y)``, size, its layer and the two text lines of its label."""

    x: float
    y: float
    width: float
    height: float
    layer: int
    title: str
    detail: str

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """``(left, top, width, height)``."""
        return (self.x - self.width / 2, self.y - self.height / 2, self.width, self.height)


@dataclass
class GraphLayout:
    """The laid-out graph: node boxes by node name, edge polylines by ``(source, target, tensor)``.

    ``bounds`` is ``(left, top, right, bottom)`` including a margin; ``layer_count`` the number of layers.
    """

    nodes: dict[str, NodeBox] = field(default_factory=dict)
    edges: dict[EdgeKey, list[Point]] = field(default_factory=dict)
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    layer_count: int = 0

    @property
    def positions(self) -> dict[str, Point]:
        """Node name -> centre ``(x, y)``."""
        return {name: (b.x, b.y) for name, b in self.nodes.items()}

    @property
    def sizes(self) -> dict[str, tuple[float, float]]:
        """Node name -> ``(width, height)``."""
        return {name: (b.width, b.height) for name, b in self.nodes.items()}


def _ints(value: object) -> list[int]:
    if isinstance(value, int):
        return [value]
    if isinstance(value, list | tuple):
        return [int(v) for v in value if isinstance(v, int)]
    return []


def _kernel_text(node: Node) -> str:
    kernel = _ints(node.attrs.get("kernel_shape"))
    if not kernel and "weight" in node.params and node.params["weight"].ndim >= 3:
        kernel = [int(d) for d in node.params["weight"].shape[2:]]
    text = "x".join(str(k) for k in kernel)
    strides = _ints(node.attrs.get("strides"))
    if strides and any(s != 1 for s in strides):
        text += "/" + ("x".join(str(s) for s in strides) if len(set(strides)) > 1 else str(strides[0]))
    group = node.attrs.get("group", 1)
    if isinstance(group, int) and group > 1:
        text += f" g{group}"
    return text


def node_title(node: Node) -> str:
    """The first label line: the op and its key attribute (``Conv 3x3/2``, ``Gemm 128→10``)."""
    op = _SHORT_OPS.get(node.op, node.op)
    if node.op in ("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool"):
        extra = _kernel_text(node)
    elif node.op in ("Gemm", "MatMul") and "weight" in node.params and node.params["weight"].ndim == 2:
        out_f, in_f = node.params["weight"].shape
        extra = f"{in_f}→{out_f}"
    else:
        extra = ""
    return f"{op} {extra}" if extra else op


def node_detail(node: Node) -> str:
    """The second label line: the module path (or node name), keeping its informative tail when long."""
    text = node.module or node.name
    if len(text) > DETAIL_MAX_CHARS:
        text = "…" + text[-(DETAIL_MAX_CHARS - 1) :]
    return text


def _box_width(title: str, detail: str) -> float:
    width = max(len(title) * TITLE_CHAR_W, len(detail) * DETAIL_CHAR_W) + 24.0
    return min(MAX_NODE_W, max(MIN_NODE_W, width))


def _layers(n: int, preds: list[list[int]], succs: list[list[int]]) -> list[int]:
    """Longest-path layering (vertices in topological order), sources then moved down to their consumers."""
    layer = [0] * n
    for v in range(n):
        if preds[v]:
            layer[v] = max(layer[u] for u in preds[v]) + 1
    for v in range(n - 1, -1, -1):
        if not preds[v] and succs[v]:
            layer[v] = min(layer[w] for w in succs[v]) - 1
    return layer


def _crossings(upper: list[int], down: list[list[int]], pos: list[int], width: int) -> int:
    """Crossings between one layer and the next, counted as inversions with a Fenwick tree."""
    targets = [pos[w] for u in upper for w in sorted(down[u], key=pos.__getitem__)]
    tree = [0] * (width + 1)
    count = 0
    for seen, p in enumerate(targets):
        i, below = p + 1, 0
        while i > 0:
            below += tree[i]
            i -= i & -i
        count += seen - below
        i = p + 1
        while i <= width:
            tree[i] += 1
            i += i & -i
    return count


def _order(rows: list[list[int]], up: list[list[int]], down: list[list[int]], n_vertices: int) -> list[list[int]]:
    """Barycenter sweeps down and up; returns the ordering with the fewest crossings seen."""
    pos = [0] * n_vertices
    for row in rows:
        for i, v in enumerate(row):
            pos[v] = i

    def total() -> int:
        return sum(_crossings(rows[k], down, pos, len(rows[k + 1])) for k in range(len(rows) - 1))

    def sweep(indices: range, neighbours: list[list[int]]) -> None:
        for k in indices:
            row = rows[k]
            keys = {}
            for v in row:
                ns = neighbours[v]
                keys[v] = sum(pos[u] for u in ns) / len(ns) if ns else float(pos[v])
            row.sort(key=keys.__getitem__)
            for i, v in enumerate(row):
                pos[v] = i

    best, best_rows = total(), [list(r) for r in rows]
    for it in range(ORDER_SWEEPS):
        if best == 0:
            break
        if it % 2 == 0:
            sweep(range(1, len(rows)), up)
        else:
            sweep(range(len(rows) - 2, -1, -1), down)
        now = total()
        if now < best:
            best, best_rows = now, [list(r) for r in rows]
    return best_rows


def _place_row(row: list[int], desired: list[float], weight: list[float], sep: list[float]) -> list[float]:
    """Positions closest (weighted least squares) to ``desired`` with ``x[i+1] - x[i] >= sep[i]``.

    Substituting ``y[i] = x[i] - offset[i]`` turns the separations into ``y`` non-decreasing: isotonic
    regression, solved in linear time by pooling adjacent violators.
    """
    offsets = [0.0]
    for s in sep:
        offsets.append(offsets[-1] + s)
    blocks: list[list[float]] = []  # [weight sum, weighted target sum, count]
    for i in range(len(row)):
        w = weight[i]
        blocks.append([w, w * (desired[i] - offsets[i]), 1])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][0] > blocks[-1][1] / blocks[-1][0]:
            w2, s2, c2 = blocks.pop()
            blocks[-1][0] += w2
            blocks[-1][1] += s2
            blocks[-1][2] += c2
    xs: list[float] = []
    for w, s, c in blocks:
        xs.extend([s / w] * int(c))
    return [x + off for x, off in zip(xs, offsets, strict=True)]


def _x_coordinates(
    rows: list[list[int]],
    up: list[list[int]],
    down: list[list[int]],
    width: list[float],
    is_dummy: list[bool],
) -> list[float]:
    """Alternating down/up sweeps of :func:`_place_row`; chains and long edges weigh more to stay straight."""
    n = len(width)
    x = [0.0] * n
    seps: list[list[float]] = []
    for row in rows:
        sep = [
            (width[a] + width[b]) / 2 + (DUMMY_GAP if is_dummy[a] or is_dummy[b] else NODE_GAP)
            for a, b in itertools.pairwise(row)
        ]
        seps.append(sep)
        cursor = 0.0
        for i, v in enumerate(row):
            if i:
                cursor += sep[i - 1]
            x[v] = cursor
        shift = cursor / 2
        for v in row:
            x[v] -= shift

    def weight_of(v: int, ns: list[int], back: list[list[int]]) -> float:
        if is_dummy[v]:
            return 8.0
        if len(ns) == 1 and len(back[ns[0]]) == 1:
            return 4.0  # the link of a chain: keep it straight
        return 1.0

    def sweep(indices: range, neighbours: list[list[int]], back: list[list[int]]) -> None:
        for k in indices:
            row = rows[k]
            desired, weights = [], []
            for v in row:
                ns = neighbours[v]
                desired.append(sum(x[u] for u in ns) / len(ns) if ns else x[v])
                weights.append(weight_of(v, ns, back) if ns else 0.05)
            for v, xv in zip(row, _place_row(row, desired, weights, seps[k]), strict=True):
                x[v] = xv

    for it in range(X_SWEEPS):
        if it % 2 == 0:
            sweep(range(1, len(rows)), up, down)
        else:
            sweep(range(len(rows) - 2, -1, -1), down, up)
    sweep(range(1, len(rows)), up, down)
    return x


def _spread(count: int, width: float) -> list[float]:
    """Offsets from a node's centre of ``count`` ports along an edge of ``width``."""
    if count <= 1:
        return [0.0] * count
    step = min(24.0, 0.7 * width / (count - 1))
    return [(i - (count - 1) / 2) * step for i in range(count)]


def layout_graph(graph: Graph, labels: Mapping[str, str] | None = None) -> GraphLayout:
    """Lay ``graph`` out top to bottom; ``labels`` optionally replaces the detail line of named nodes.

    Returns a :class:`GraphLayout`; an empty graph gives an empty layout. Never raises on a well-formed
    IR graph;
    an edge against the node order (a cycle, which the IR forbids) is drawn reversed rather than rejected.
    """
    names = [node.name for node in graph.nodes]
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    if n == 0:
        return GraphLayout()
    titles = [node_title(node) for node in graph.nodes]
    details = [(labels or {}).get(node.name) or node_detail(node) for node in graph.nodes]

    edges: list[tuple[int, int, str, bool]] = []  # (top vertex, bottom vertex, tensor, reversed)
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for src, dst, tensor in graph.edges():
        a, b = index[src], index[dst]
        if a == b:
            continue
        flipped = a > b
        if flipped:
            a, b = b, a
        edges.append((a, b, tensor, flipped))
        preds[b].append(a)
        succs[a].append(b)
    layer = _layers(n, preds, succs)
    top = min(layer)
    layer = [v - top for v in layer]
    n_layers = max(layer) + 1

    # vertices: real nodes 0..n-1, then dummies; chains[e] lists every vertex edge e passes through
    vertex_layer = list(layer)
    up: list[list[int]] = [[] for _ in range(n)]
    down: list[list[int]] = [[] for _ in range(n)]
    chains: list[list[int]] = []
    for a, b, _tensor, _flipped in edges:
        chain = [a]
        for lay in range(layer[a] + 1, layer[b]):
            vertex_layer.append(lay)
            up.append([])
            down.append([])
            chain.append(len(vertex_layer) - 1)
        chain.append(b)
        for u, w in itertools.pairwise(chain):
            down[u].append(w)
            up[w].append(u)
        chains.append(chain)
    n_vertices = len(vertex_layer)
    is_dummy = [v >= n for v in range(n_vertices)]
    width = [_box_width(titles[v], details[v]) if v < n else 0.0 for v in range(n_vertices)]

    # initial order: real nodes in graph order, then the dummies in edge order (next to their sources' order)
    rows: list[list[int]] = [[] for _ in range(n_layers)]
    for v in range(n_vertices):
        rows[vertex_layer[v]].append(v)
    rows = _order(rows, up, down, n_vertices)
    x = _x_coordinates(rows, up, down, width, is_dummy)

    row_height = [0.0] * n_layers
    for v in range(n):
        row_height[layer[v]] = NODE_HEIGHT
    centre_y = [0.0] * n_layers
    cursor = 0.0
    for lay in range(n_layers):
        centre_y[lay] = cursor + row_height[lay] / 2
        cursor += row_height[lay] + LAYER_GAP

    out = GraphLayout(layer_count=n_layers)
    for v, name in enumerate(names):
        out.nodes[name] = NodeBox(x[v], centre_y[layer[v]], width[v], NODE_HEIGHT, layer[v], titles[v], details[v])

    # ports: inputs ordered by where their edge comes from, outputs by tensor then by where they go
    in_port: dict[int, float] = {}
    out_port: dict[int, float] = {}
    incoming: dict[int, list[int]] = {}
    outgoing: dict[int, list[int]] = {}
    for e, chain in enumerate(chains):
        outgoing.setdefault(chain[0], []).append(e)
        incoming.setdefault(chain[-1], []).append(e)
    for v, es in incoming.items():
        es.sort(key=lambda e: x[chains[e][-2]])
        for e, off in zip(es, _spread(len(es), width[v]), strict=True):
            in_port[e] = x[v] + off
    for v, es in outgoing.items():
        tensors = sorted({edges[e][2] for e in es}, key=lambda t: min(x[chains[e][1]] for e in es if edges[e][2] == t))
        offsets = dict(zip(tensors, _spread(len(tensors), width[v]), strict=True))
        for e in es:
            out_port[e] = x[v] + offsets[edges[e][2]]

    half = NODE_HEIGHT / 2
    for e, (chain, (a, b, tensor, flipped)) in enumerate(zip(chains, edges, strict=True)):
        points = [(out_port[e], centre_y[layer[a]] + half)]
        points.extend((x[d], centre_y[vertex_layer[d]]) for d in chain[1:-1])
        points.append((in_port[e], centre_y[layer[b]] - half))
        if flipped:
            out.edges[(names[b], names[a], tensor)] = points[::-1]
        else:
            out.edges[(names[a], names[b], tensor)] = points

    left = min(box.x - box.width / 2 for box in out.nodes.values())
    right = max(box.x + box.width / 2 for box in out.nodes.values())
    for points in out.edges.values():
        for px, _py in points:
            left, right = min(left, px), max(right, px)
    out.bounds = (left - MARGIN, -MARGIN, right + MARGIN, cursor - LAYER_GAP + MARGIN)
    return out
