"""QC rules: one SPARQL file each under ``queries/qc/``, levels from one severity profile.

Each rule returns ``?entity ?property ?value`` (the ROBOT/MONDO convention). A few rules need a
fact SPARQL cannot see (the project's prefix map, the packaged reference labels): their query
returns the candidates and a Python filter here keeps the findings. A curator adds a rule by
dropping a ``.rq`` file and giving it a level in ``profile.tsv``; a rule without a level, or a level
without a rule, stops validation with an error that names it (silently skipping a check is worse).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from iimgraph.errors import ProfileError
from iimgraph.namespaces import CONVERTER
from iimgraph.resources import queries_dir
from iimgraph.validate.report import LEVELS

PROFILE_FILE = "profile.tsv"
#: rules computed in Python (no .rq file) that still take their level from the profile
PYTHON_RULES = ("unknown_identifier",)


@dataclass(frozen=True)
class Row:
    """One QC result row, as rdflib terms, with the rule's message (possibly specialised by a filter)."""

    rule: str
    entity: object
    property: object
    value: object
    message: str


def qc_dir() -> Path:
    return queries_dir() / "qc"


def rule_files(folder: Path | None = None) -> dict[str, Path]:
    folder = folder or qc_dir()
    return {p.stem: p for p in sorted(folder.glob("*.rq"))}


def load_profile(path: Path | None = None, rules: dict[str, Path] | None = None) -> dict[str, str]:
    """rule -> level, checked against the rule files: every rule has exactly one level and vice versa."""
    path = path or qc_dir() / PROFILE_FILE
    rules = rule_files(path.parent) if rules is None else rules
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read the QC severity profile ({exc.strerror})") from None
    profile: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 2:
            raise ProfileError(f"{path}:{lineno}: expected 'rule<TAB>level', got {line.strip()!r}")
        rule, level = cells[0].strip(), cells[1].strip().upper()
        if level not in LEVELS:
            raise ProfileError(f"{path}:{lineno}: level {cells[1].strip()!r} of rule {rule!r} is not one of {', '.join(LEVELS)}")
        if rule in profile:
            raise ProfileError(f"{path}:{lineno}: rule {rule!r} is listed twice")
        if rule not in rules and rule not in PYTHON_RULES:
            raise ProfileError(f"{path}:{lineno}: rule {rule!r} has no query file {rule}.rq")
        profile[rule] = level
    missing = [r for r in (*rules, *PYTHON_RULES) if r not in profile]
    if missing:
        raise ProfileError(f"{path}: rule(s) {', '.join(missing)} missing from the severity profile: give each a level "
                           f"({', '.join(LEVELS)})")
    return profile


def rule_message(path: Path) -> str:
    """The rule's description: its first comment line, after 'name (origin):'."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            text = line.lstrip("# ").strip()
            text = text.split("): ", 1)[1] if "): " in text else text
            return text.split(". ", 1)[0].rstrip(".")
    return path.stem.replace("_", " ")


# --- Python filters for the rules whose verdict needs a fact outside the graph -------------------

def _prefix_unknown(row: tuple[str | None, ...], _ref: object) -> str | None:
    """``row``: the texts of ``?entity ?property ?value`` (an IRI's or a literal's lexical form)."""
    value = str(row[2])
    prefix = value.split(":", 1)[0] if ":" in value else ""
    if not prefix or " " in value:
        return None  # not a CURIE at all: invalid_xref reports it
    if CONVERTER.standardize_prefix(prefix) is not None:
        return None
    return f"cross-reference prefix {prefix or value!r} is not in the project's prefix map (iimgraph.namespaces)"


def _label_mismatch(row: tuple[str | None, ...], ref: object) -> str | None:
    curie = CONVERTER.compress(str(row[0]))
    expected = ref.labels.get(curie) if curie else None  # type: ignore[attr-defined]
    if expected is None or " ".join(str(row[2]).split()) == expected:
        return None  # equal, or equal but for whitespace (label_whitespace reports that)
    return f"label {str(row[2])!r} differs from the packaged reference label {expected!r} for {curie}"


FILTERS: dict[str, Callable[[tuple[str | None, ...], object], str | None]] = {
    "xref_prefix_unknown": _prefix_unknown,
    "label_mismatch_reference": _label_mismatch,
}


class OxigraphCopy:
    """The graph copied into an in-memory Oxigraph store, with the way back to its own terms.

    The QC rules (and the compiled shapes) are SPARQL over the whole graph: Oxigraph answers them
    25-550x faster than rdflib. Every Oxigraph term made here remembers the rdflib term it came
    from, so results come back as the graph's own terms (the same blank nodes included) and the
    report cannot tell which engine ran. validate/ runs pyoxigraph itself (it never imports query/).
    """

    def __init__(self, graph: object) -> None:
        import pyoxigraph as ox
        from rdflib import BNode

        from iimgraph.build.oxgraph import ground_term

        self.store = ox.Store()
        back: dict[object, object] = {}
        made: dict[object, object] = {}

        def convert(term: object) -> object:
            found = made.get(term)
            if found is not None:
                return found
            out = ox.BlankNode() if isinstance(term, BNode) else ground_term(term)
            if out is None:
                raise TypeError(f"not an RDF term: {term!r}")
            made[term] = out
            back.setdefault(out, term)
            return out

        self.store.bulk_extend(ox.Quad(convert(s), convert(p), convert(o))  # type: ignore[arg-type]
                          for s, p, o in graph)  # type: ignore[attr-defined]
        self.back = back
        self.graph = graph

    # the lookups the report and the identifier check make, answered by the rdflib graph itself
    def objects(self, subject: object, predicate: object) -> object:
        return self.graph.objects(subject, predicate)  # type: ignore[attr-defined]

    def subject_objects(self, predicate: object) -> object:
        return self.graph.subject_objects(predicate)  # type: ignore[attr-defined]

    def __iter__(self) -> object:
        return iter(self.graph)  # type: ignore[call-overload]

    def rdflib_graph(self) -> object:
        return self.graph

    def select(self, query: str) -> list[tuple[object, ...]]:
        """Rows of a SELECT, each value the graph's own term (or an rdflib term for values the query made)."""
        term = self.term
        return [tuple(term(value) for value in row) for row in self.select_raw(query)]

    def select_raw(self, query: str) -> list[tuple[object, ...]]:
        """Rows of a SELECT as Oxigraph terms (``term`` gives the graph's own term for one)."""
        return [tuple(solution) for solution in self.store.query(query)]  # type: ignore[union-attr]

    def term(self, value: object) -> object:
        """The graph's own term for an Oxigraph term of a row (an rdflib term for values the query made)."""
        import pyoxigraph as ox
        from rdflib import BNode, Literal, URIRef

        if value is None:
            return None
        term = self.back.get(value)
        if term is not None:
            return term
        # computed by the query (BIND, STR(), a CONSTRUCTed blank node)
        if isinstance(value, ox.NamedNode):
            return URIRef(value.value)
        if isinstance(value, ox.BlankNode):
            return BNode(value.value)
        if value.language:  # type: ignore[attr-defined]
            return Literal(value.value, lang=value.language)  # type: ignore[attr-defined]
        return Literal(value.value, datatype=URIRef(value.datatype.value))  # type: ignore[attr-defined]


def _value(term: object) -> str | None:
    """An Oxigraph term's text (an IRI, or a literal's lexical form), as ``str()`` gives an rdflib term's."""
    return None if term is None else term.value  # type: ignore[attr-defined]


def _same(term: object) -> object:
    return term


def run_rules(graph: object, rules: dict[str, Path], reference: object, *,
              store: OxigraphCopy | None = None) -> list[Row]:
    """Run every rule on the graph (on Oxigraph: ``store``, or a copy made here); rows of filtered
    rules only where their filter returns a message (tested on the rows' text, before any rdflib term
    is made: at 10^6 triples those rules return ~10^5 rows and keep a few)."""
    store = store or OxigraphCopy(graph)
    out: list[Row] = []
    raw = getattr(store, "select_raw", None)  # an engine with ``select`` alone gives terms, whose text is str()
    select, term, text_of = ((raw, store.term, _value) if raw is not None
                             else (store.select, _same, lambda v: None if v is None else str(v)))
    for name, path in sorted(rules.items()):
        message = rule_message(path)
        query = path.read_text(encoding="utf-8")
        try:
            result = select(query)
        except (SyntaxError, OSError, ValueError) as exc:  # a broken rule file is a configuration error, not a finding
            raise ProfileError(f"{path}: the QC query does not run: {' '.join(str(exc).split())[:200]}") from None
        check = FILTERS.get(name)
        for row in result:
            entity, prop, value = (row[i] if i < len(row) else None for i in range(3))
            text = message
            if check is not None:
                specific = check((text_of(entity), text_of(prop), text_of(value)), reference)
                if specific is None:
                    continue
                text = specific
            out.append(Row(name, term(entity), term(prop), term(value), text))
    return out
