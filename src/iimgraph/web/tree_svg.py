"""The classification as an SVG picture: an indented tree, laid out here (no JS library, no network).

Why an indented tree: labels are long and the hierarchy is deep and narrow, so one row per class
reads like a table of contents and prints on one page. MONDO's asserted subclass edges are solid;
a placement another source gives (``iim:PlacementClaim`` not asserted by MONDO) is drawn as a
dashed, coloured entry under the parent that source names, with the source in the text. Targets
outside the drawn tree get their own small section below it. Output is deterministic: rows are
sorted by label, coordinates are integers, and nothing depends on hashing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from iimgraph.namespaces import SVG

ROW = 24  # px per row
INDENT = 26  # px per level
CHAR = 7.0  # px per character at the font size used (an estimate for the width of the picture)
TOP = 64  # room for the legend


@dataclass(frozen=True)
class Placement:
    """A source's placement of ``subject`` under ``parent`` that MONDO does not assert."""

    subject: str
    parent: str
    source: str  # who asserts it ("Orphanet", "Disease Ontology", ...)


@dataclass(frozen=True)
class _Row:
    iri: str
    depth: int
    parent_row: int  # index of the row this one hangs from (-1 for roots)
    kind: str  # "class", "placement" or "context"
    note: str = ""


def _layout(root: str, children: Mapping[str, Sequence[str]], label: Callable[[str], str],
            parents_in_tree: Mapping[str, Sequence[str]], placements: Sequence[Placement]) -> list[_Row]:
    rows: list[_Row] = []
    drawn: set[str] = set()
    by_parent: dict[str, list[Placement]] = {}
    for p in placements:
        by_parent.setdefault(p.parent, []).append(p)

    def visit(iri: str, depth: int, parent_row: int, path: tuple[str, ...]) -> None:
        others = [q for q in parents_in_tree.get(iri, ()) if path and q != path[-1]]
        note = ("also under " + ", ".join(sorted(label(q) for q in others))) if others else ""
        rows.append(_Row(iri, depth, parent_row, "class", note))
        drawn.add(iri)
        me = len(rows) - 1
        for child in sorted(children.get(iri, ()), key=lambda c: (label(c).lower(), c)):
            if child not in path:  # a cycle would be a data error; never loop on it
                visit(child, depth + 1, me, (*path, iri))
        for p in sorted(by_parent.get(iri, ()), key=lambda p: (label(p.subject).lower(), p.source)):
            rows.append(_Row(p.subject, depth + 1, me, "placement", f"placed here by {p.source}"))

    visit(root, 0, -1, ())
    outside = sorted((p for p in placements if p.parent not in drawn),
                     key=lambda p: (label(p.parent).lower(), label(p.subject).lower(), p.source))
    if outside:
        rows.append(_Row("", 0, -1, "heading", "Placements by other sources outside this tree"))
        last_parent = None
        parent_row = -1
        for p in outside:
            if p.parent != last_parent:
                rows.append(_Row(p.parent, 0, -1, "context", "not in the IIM subtree"))
                parent_row = len(rows) - 1
                last_parent = p.parent
            rows.append(_Row(p.subject, 1, parent_row, "placement", f"placed here by {p.source}"))
    return rows


def render_tree(root: str, children: Mapping[str, Sequence[str]], label: Callable[[str], str],
                link: Callable[[str], str | None], curie: Callable[[str], str], *,
                parents_in_tree: Mapping[str, Sequence[str]] | None = None,
                placements: Sequence[Placement] = (), title: str = "Classification") -> str:
    """The SVG document (a string) for the tree under ``root``."""
    rows = _layout(root, children, label, parents_in_tree or {}, placements)
    width = 640
    for r in rows:
        text = r.note if r.kind == "heading" else f"{label(r.iri)}  {curie(r.iri)}  {r.note}"
        width = max(width, int(20 + r.depth * INDENT + len(text) * CHAR + 40))
    height = TOP + ROW * len(rows) + 16
    out = [
        f'<svg xmlns="{SVG}" class="tree" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        '<g class="legend" font-size="12">',
        '<line x1="12" y1="18" x2="44" y2="18" stroke="#334" stroke-width="1.5"/>',
        '<text x="50" y="22">subclass of (MONDO, asserted)</text>',
        '<line x1="260" y1="18" x2="292" y2="18" stroke="#c05600" stroke-width="1.5" stroke-dasharray="5 3"/>',
        '<text x="298" y="22" fill="#c05600">placement by another source (Orphanet, DO, ICD)</text>',
        '<text x="12" y="44" fill="#556">grey: also under another parent in this tree</text>',
        "</g>",
    ]
    for i, r in enumerate(rows):
        y = TOP + i * ROW
        x = 16 + r.depth * INDENT
        if r.kind == "heading":
            out.append(f'<text class="heading" x="12" y="{y + 4}" font-weight="bold">{escape(r.note)}</text>')
            continue
        dashed = r.kind == "placement"
        colour = "#c05600" if dashed else "#334"
        if r.parent_row >= 0:
            p = rows[r.parent_row]
            px = 16 + p.depth * INDENT + (7 if dashed else 4)  # beside, not over, the solid connector
            py = TOP + r.parent_row * ROW + 5
            dash = ' stroke-dasharray="5 3"' if dashed else ""
            out.append(f'<path class="{"placement-edge" if dashed else "edge"}" d="M{px} {py} V{y} H{x - 2}" '
                       f'fill="none" stroke="{colour}" stroke-width="1.2"{dash}/>')
        shape = "node-placement" if dashed else f"node-{r.kind}"
        out.append(f'<g class="{shape}" data-iri="{escape(r.iri)}">')
        dot_fill = "#fff" if r.kind != "class" else colour
        out.append(f'<circle cx="{x + 4}" cy="{y}" r="4" fill="{dot_fill}" stroke="{colour}"/>')
        text = escape(label(r.iri))
        style = ' font-style="italic"' if r.kind != "class" else ""
        fill = colour if dashed else ("#556" if r.kind == "context" else "#112")
        body = f'<text x="{x + 12}" y="{y + 4}" fill="{fill}"{style}>{text}</text>'
        href = link(r.iri)
        if href:
            body = f'<a href="{escape(href)}">{body}</a>'
        out.append(body)
        extra = f"{curie(r.iri)}" + (f" \u2014 {r.note}" if r.note else "")
        tx = int(x + 12 + len(label(r.iri)) * CHAR + 10)
        note_fill = colour if dashed else "#556"
        out.append(f'<text x="{tx}" y="{y + 4}" font-size="11" fill="{note_fill}">{escape(extra)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
