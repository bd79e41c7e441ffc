"""HTML for the site: a term page from a term's description, the index, and the query page.

One renderer serves both the static site and ``iimgraph serve``. Every text that comes from data is
escaped (``html.escape`` with quotes) and every cross-reference links to its database's resolver
through :data:`RESOLVERS`, the one table of link patterns (the site's link test checks against it).
Plain HTML and CSS: it reads without JavaScript and prints cleanly.
"""

from __future__ import annotations

import html
import shlex
from collections.abc import Callable, Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from iimgraph.claim_kinds import KINDS
from iimgraph.namespaces import CONVERTER, OBO, RESOLVERS, SSSOM_MAPPING_JUSTIFICATION, display_curie, split_curie
from iimgraph.query.catalogue import catalogue
from iimgraph.rank.model import NOTICE
from iimgraph.terms import BIOLINK, DCTERMS, IAO_DEFINITION, IIM, OBOINOWL, OWL, RDF, RDFS, SKOS, TEXT_MINED

MATCH_LABEL = {str(SKOS.exactMatch): "exact", str(SKOS.closeMatch): "close", str(SKOS.broadMatch): "broad",
               str(SKOS.narrowMatch): "narrow", str(SKOS.relatedMatch): "related"}
SYNONYM_SCOPES = {OBOINOWL.hasExactSynonym: "exact", OBOINOWL.hasRelatedSynonym: "related",
                  OBOINOWL.hasBroadSynonym: "broad", OBOINOWL.hasNarrowSynonym: "narrow"}
#: the languages of HPO's translations, by their own names (a tag not listed shows as the tag)
LANGUAGE_NAMES = {"de": "Deutsch", "es": "español", "fr": "français", "it": "italiano", "ja": "日本語",
                  "nl": "Nederlands", "pt": "português", "zh": "中文"}
CANDIDATE_NOTE = "candidate (machine translation, not official)"


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def resolver_url(curie: str) -> str | None:
    """The resolver URL of ``PREFIX:LOCAL``, or None when no resolver is known for the prefix."""
    try:
        prefix, local = split_curie(curie)
    except ValueError:
        return None
    prefix = (CONVERTER.standardize_prefix(prefix) or prefix)
    if prefix not in RESOLVERS:
        return None
    return RESOLVERS[prefix][1].replace("{id}", local)


def _doc(title: str, body: str, *, root: str, version: str, head: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{e(title)}</title>\n<link rel=\"stylesheet\" href=\"{root}assets/site.css\">\n{head}</head>\n<body>\n"
        f"<nav class=\"top\"><a href=\"{root}index.html\">IIM graph</a> \u00b7 "
        f"<a href=\"{root}index.html#classes\">classes</a> \u00b7 <a href=\"{root}queries.html\">queries</a> \u00b7 "
        f"<a href=\"{root}rank.html\">rank</a></nav>\n"
        f"<main>\n{body}\n</main>\n<footer>iimgraph {e(version)} \u00b7 data CC BY 4.0 \u00b7 "
        "generated from the release graph</footer>\n</body>\n</html>\n"
    )


class _Page:
    """Rendering state of one term page: the description, link targets and the numbered sources."""

    def __init__(self, g: Graph, iri: URIRef, pages: frozenset[str], root: str, lang: str | None = None) -> None:
        self.g, self.iri, self.pages, self.root, self.lang = g, iri, pages, root, lang
        self.sources: list[URIRef] = []

    def translations(self, node: Node) -> str:
        """The node's translated labels, to stand beside its English label: with ``lang``, those in that
        language, shown; without, every one, hidden (``assets/lang.js`` shows those ``?lang=`` asks for).
        A candidate says it is one; neither replaces the English label."""
        out = []
        for prop, extra in ((IIM.translation, ""), (IIM.candidateTranslation, " candidate")):
            for value in sorted(self.g.objects(node, prop), key=lambda v: (getattr(v, "language", "") or "", str(v))):
                tag = getattr(value, "language", None)
                if not tag or (self.lang is not None and tag != self.lang):
                    continue
                hidden = "" if self.lang is not None else " hidden"
                if extra:
                    out.append(f'<span class="translation candidate" lang="{e(tag)}"{hidden} '
                               f'title="{e(CANDIDATE_NOTE)}">{e(value)} <small lang="en">(candidate)</small></span>')
                else:
                    out.append(f'<span class="translation" lang="{e(tag)}"{hidden}>{e(value)}</span>')
        return " ".join(out)

    def label(self, node: Node) -> str:
        value = self.g.value(node, RDFS.label) or self.g.value(node, DCTERMS.title)
        return str(value) if value is not None else display_curie(node)

    def href(self, node: Node) -> str | None:
        if not isinstance(node, URIRef):
            return None
        if str(node) in self.pages and str(node).startswith(OBO):
            return f"{self.root}term/{str(node)[len(OBO):]}.html"
        curie = display_curie(node)
        return resolver_url(curie) if curie != str(node) else None

    def link(self, node: Node, text: str | None = None) -> str:
        text = self.label(node) if text is None else text
        href = self.href(node)
        inner = e(text)
        shown = f'<a href="{e(href)}">{inner}</a>' if href else inner
        translated = self.translations(node)
        return f"{shown} {translated}" if translated else shown

    def term(self, node: Node) -> str:
        """A term with its CURIE, linked."""
        curie = display_curie(node)
        extra = f' <span class="curie">{e(curie)}</span>' if curie != self.label(node) else ""
        return self.link(node) + extra

    def cite(self, nodes: Iterable[Node]) -> str:
        numbers = []
        for node in sorted(set(nodes), key=str):
            if not isinstance(node, URIRef):
                continue
            if node not in self.sources:
                self.sources.append(node)
            numbers.append(self.sources.index(node) + 1)
        return " ".join(f'<a class="cite" href="#src-{n}" title="{e(self.label(self.sources[n - 1]))}">[{n}]</a>'
                        for n in sorted(numbers))

    def axiom(self, prop: URIRef, target: Node) -> Node | None:
        for ax in sorted(self.g.subjects(OWL.annotatedSource, self.iri), key=str):
            if (ax, OWL.annotatedProperty, prop) in self.g and (ax, OWL.annotatedTarget, target) in self.g:
                return ax
        return None

    def axiom_sources(self, prop: URIRef, target: Node) -> str:
        ax = self.axiom(prop, target)
        return self.cite(self.g.objects(ax, DCTERMS.source)) if ax is not None else ""

    def sorted_by_label(self, nodes: Iterable[Node]) -> list[Node]:
        return sorted(set(nodes), key=lambda n: (self.label(n).lower(), str(n)))


def _table(cls: str, headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>'


def _section(ident: str, title: str, content: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f'<section id="{ident}">\n<h2>{e(title)}</h2>\n{note_html}{content}\n</section>'


# --- claims ----------------------------------------------------------------------------------------

Column = tuple[str, Callable[[_Page, Node], str]]


def _value(p: _Page, c: Node, prop: URIRef) -> str:
    return ", ".join(e(v) for v in sorted(p.g.objects(c, prop), key=str))


def _linked(p: _Page, c: Node, prop: URIRef) -> str:
    return ", ".join(p.term(v) if isinstance(v, URIRef) else e(v) for v in p.sorted_by_label(p.g.objects(c, prop)))


def _evidence(p: _Page, c: Node) -> str:
    out = []
    for ev in sorted(p.g.objects(c, BIOLINK.has_evidence), key=str):
        code = str(ev).rsplit("/", 1)[-1]
        out.append(f'<abbr title="{e(p.label(ev))}">{e(code)}</abbr>')
    return " ".join(out)


def _figure(p: _Page, c: Node) -> str:
    low, high = p.g.value(c, IIM.lowerBound), p.g.value(c, IIM.upperBound)
    unit = p.g.value(c, IIM.unit)
    if low is not None and high is not None:
        number = f"{_num(low)}\u2013{_num(high)}"
    elif low is not None:
        number = f"\u2265 {_num(low)}"
    elif high is not None:
        number = f"\u2264 {_num(high)}"
    else:
        number = ""
    text = p.g.value(c, IIM.valueText)
    parts = [e(f"{number} {unit}".strip())] if number else []
    if text is not None:
        parts.append(f'<span class="value-text">\u201c{e(text)}\u201d</span>')
    return "<br>".join(parts)


def _num(lit: Node) -> str:
    text = str(lit)
    return text[:-2] if text.endswith(".0") else text


def _quote(p: _Page, c: Node) -> str:
    quotes = [f"<q>{e(q)}</q>" for q in sorted(p.g.objects(c, IIM.quote), key=str)]
    notes = [f'<span class="comment">{e(x)}</span>' for x in sorted(p.g.objects(c, RDFS.comment), key=str)]
    return "<br>".join(quotes + notes)


def _modifier(p: _Page, c: Node) -> str:
    """The HPO clinical modifiers of a feature (Bilateral, Slowly progressive ...), after it."""
    linked = _linked(p, c, IIM.modifier)
    return f'<br><span class="modifier">modifier: {linked}</span>' if linked else ""


def _negated(p: _Page, c: Node) -> str:
    return "<strong>NOT</strong> " if any(str(v).lower() == "true" for v in p.g.objects(c, BIOLINK.negated)) else ""


SRC: Column = ("sources", lambda p, c: p.cite(p.g.objects(c, DCTERMS.source)))
EVIDENCE: Column = ("evidence", _evidence)
NOTE: Column = ("source text and notes", _quote)
HEDGE: Column = ("hedge", lambda p, c: _value(p, c, IIM.qualifierText))

#: section id (claim_kinds.KINDS) -> the columns of its table
CLAIM_COLUMNS: dict[str, list[Column]] = {
    "features": [
        ("feature", lambda p, c: _negated(p, c) + _linked(p, c, BIOLINK.object) + _modifier(p, c)),
        ("frequency", lambda p, c: _linked(p, c, BIOLINK.frequency_qualifier)),
        ("onset", lambda p, c: _linked(p, c, BIOLINK.onset_qualifier)),
        HEDGE, EVIDENCE, SRC, NOTE],
    "autoantibodies": [
        ("autoantibody", lambda p, c: _linked(p, c, BIOLINK.object)),
        ("role", lambda p, c: _value(p, c, IIM.role)),
        ("grouping", lambda p, c: _value(p, c, IIM.grouping)),
        EVIDENCE, SRC, ("basis", lambda p, c: _value(p, c, IIM.basis))],
    "antibody-statistics": [
        ("autoantibody", lambda p, c: _linked(p, c, BIOLINK.object)),
        ("measure", lambda p, c: _linked(p, c, IIM.testMeasure)),
        ("fraction", lambda p, c: _value(p, c, IIM.fraction)),
        ("threshold", lambda p, c: _value(p, c, IIM.threshold)),
        EVIDENCE, SRC, NOTE],
    "diagnosis": [
        ("test", lambda p, c: _linked(p, c, BIOLINK.object)),
        ("finding", lambda p, c: ", ".join(x for x in (_linked(p, c, IIM.finding), _value(p, c, IIM.findingText)) if x)),
        ("tells apart", lambda p, c: _linked(p, c, IIM.distinguishes)),
        EVIDENCE, SRC, NOTE],
    "treatments": [
        ("treatment", lambda p, c: _linked(p, c, BIOLINK.object)),
        ("relation", lambda p, c: _linked(p, c, BIOLINK.predicate)),
        ("response", lambda p, c: _value(p, c, IIM.response)),
        ("direction", lambda p, c: _negated(p, c) + _value(p, c, IIM.evidenceDirection)),
        HEDGE, EVIDENCE, SRC, NOTE],
    "differentials": [
        ("disease", lambda p, c: ", ".join(x for x in (_linked(p, c, BIOLINK.object), _value(p, c, IIM.valueText)) if x)),
        ("direction", lambda p, c: _value(p, c, IIM.evidenceDirection)),
        EVIDENCE, SRC, NOTE],
    "genes": [
        ("gene", lambda p, c: ", ".join(x for x in (_linked(p, c, BIOLINK.object), _value(p, c, IIM.valueText)) if x)),
        ("direction", lambda p, c: _value(p, c, IIM.evidenceDirection)),
        EVIDENCE, SRC, NOTE],
    "findings": [
        ("finding", lambda p, c: _negated(p, c) + _linked(p, c, BIOLINK.object)),
        HEDGE, EVIDENCE, SRC, NOTE],
    "course": [
        ("course", lambda p, c: _linked(p, c, BIOLINK.object)),
        HEDGE, EVIDENCE, SRC, NOTE],
    "cause": [
        ("cause", lambda p, c: ", ".join(x for x in (_linked(p, c, BIOLINK.object), _value(p, c, IIM.valueText)) if x)),
        HEDGE, EVIDENCE, SRC, NOTE],
    "overlap": [
        ("disease", lambda p, c: _linked(p, c, BIOLINK.object)),
        HEDGE, EVIDENCE, SRC, NOTE],
    "epidemiology": [
        ("measure", lambda p, c: _linked(p, c, IIM.measure)),
        ("figure", _figure),
        ("population", lambda p, c: _value(p, c, IIM.population)),
        ("onset term", lambda p, c: _linked(p, c, BIOLINK.onset_qualifier)),
        EVIDENCE, SRC, NOTE],
    "inheritance": [
        ("inheritance", lambda p, c: ", ".join(x for x in (_linked(p, c, BIOLINK.object), _value(p, c, IIM.valueText)) if x)),
        EVIDENCE, SRC, NOTE],
}

#: (claim type, section id, heading, columns), in the order of sections on a page
CLAIM_SECTIONS: list[tuple[URIRef, str, str, list[Column]]] = [
    (URIRef(k.iri), k.section, k.heading, CLAIM_COLUMNS[k.section]) for k in KINDS if k.section is not None]


def _claim_rows(p: _Page, claims: list[Node], columns: list[Column]) -> list[list[str]]:
    def key(c: Node) -> tuple[str, str]:
        obj = p.g.value(c, BIOLINK.object)
        return ((p.label(obj) if obj is not None else str(p.g.value(c, IIM.valueText) or "")).lower(), str(c))

    rows = []
    for c in sorted(claims, key=key):
        rows.append([fn(p, c) for _, fn in columns])
    return rows


def _claims_html(p: _Page) -> list[str]:
    g, iri = p.g, p.iri
    subject_claims = set(g.subjects(BIOLINK.subject, iri))
    out = []
    for ctype, ident, title, columns in CLAIM_SECTIONS:
        claims = [c for c in subject_claims if (c, RDF.type, ctype) in g]
        if not claims:
            continue
        headers = [h for h, _ in columns]
        curated = [c for c in claims if (c, BIOLINK.has_evidence, TEXT_MINED) not in g]
        mined = [c for c in claims if (c, BIOLINK.has_evidence, TEXT_MINED) in g]
        parts = []
        if curated:
            parts.append(_table(f"claims {ident}", headers, _claim_rows(p, curated, columns)))
        else:
            parts.append('<p class="note">No curated statement.</p>')
        if mined:
            parts.append(f'<details class="text-mined"><summary>{len(mined)} text-mined annotations '
                         "(evidence ITM: BioLark over PubMed abstracts, 2015; not curated)</summary>\n"
                         + _table(f"claims {ident} text-mined", headers, _claim_rows(p, mined, columns))
                         + "\n</details>")
        out.append(_section(ident, title, "\n".join(parts)))
    return out


# --- the term page ---------------------------------------------------------------------------------


def _classification(p: _Page) -> str:
    g, iri = p.g, p.iri
    parents = p.sorted_by_label(o for o in g.objects(iri, RDFS.subClassOf) if isinstance(o, URIRef))
    children = p.sorted_by_label(g.subjects(RDFS.subClassOf, iri))
    rows = []
    rows.append("<dt>parents (MONDO, asserted)</dt><dd><ul class=\"parents\">"
                + "".join(f"<li>{p.term(x)}</li>" for x in parents) + "</ul></dd>" if parents else
                "<dt>parents</dt><dd>none</dd>")
    if children:
        rows.append("<dt>children</dt><dd><ul class=\"children\">"
                    + "".join(f"<li>{p.term(x)}</li>" for x in children) + "</ul></dd>")
    placements = []
    for c in g.subjects(RDF.type, IIM.PlacementClaim):
        subject, obj = g.value(c, BIOLINK.subject), g.value(c, BIOLINK.object)
        by = str(g.value(c, IIM.assertedBy) or "")
        ids = " ".join(f"<span class=\"curie\">{e(v)}</span>"
                       for v in sorted(g.objects(c, IIM.sourceEdge), key=str))
        if subject == iri:
            text = f"{e(by)} places it under {p.term(obj)}" if obj is not None else e(by)
        elif obj == iri and subject is not None:
            text = f"{e(by)} places {p.term(subject)} here"
        else:
            continue
        # a parent MONDO has above the class (at any depth) agrees with MONDO, as in queries/conflicts.rq
        differs = by != "MONDO" and obj not in set(g.transitive_objects(subject, RDFS.subClassOf))
        placements.append((by != "MONDO", by, str(c),
                           f'<li class="{"differs" if differs else "mondo"}">{text} {ids} '
                           f"{p.cite(g.objects(c, DCTERMS.source))}</li>"))
    if placements:
        rows.append("<dt>placements by source</dt><dd><ul class=\"placements\">"
                    + "".join(x[-1] for x in sorted(placements)) + "</ul></dd>")
    return _section("classification", "Classification", "<dl>" + "\n".join(rows) + "</dl>")


def _xrefs(p: _Page) -> str:
    g, iri = p.g, p.iri
    matches: dict[str, tuple[str, Node | None]] = {}
    for prop in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch):
        for target in g.objects(iri, prop):
            matches[display_curie(target)] = (MATCH_LABEL[str(prop)], target)
    rows = []
    for xref in sorted({str(x) for x in g.objects(iri, OBOINOWL.hasDbXref)} | set(matches),
                       key=lambda x: (x.split(":")[0].lower(), x)):
        url = resolver_url(xref)
        prefix = xref.split(":", 1)[0]
        std = CONVERTER.standardize_prefix(prefix) or prefix
        database = RESOLVERS.get(std, (prefix, ""))[0]
        shown = f'<a href="{e(url)}">{e(xref)}</a>' if url else e(xref)
        match, target = matches.get(xref, ("xref", None))  # type: ignore[assignment]
        axioms = [a for a in (p.axiom(OBOINOWL.hasDbXref, Literal(xref)),
                              p.axiom(SKOS[{"exact": "exactMatch", "close": "closeMatch"}.get(match, "exactMatch")],
                                      target) if target is not None else None) if a is not None]
        justification = sorted({display_curie(j) for a in axioms for j in g.objects(a, URIRef(SSSOM_MAPPING_JUSTIFICATION))})
        sources = p.cite(s for a in axioms for s in g.objects(a, DCTERMS.source))
        rows.append([f'<span class="curie">{shown}</span>', e(database), e(match),
                     e(", ".join(j.split(":", 1)[-1] for j in justification)), sources])
    if not rows:
        return ""
    return _section("xrefs", "Cross-references", _table("xrefs", ["identifier", "database", "match",
                                                                    "justification", "sources"], rows))


def _header(p: _Page, has_page: bool) -> str:
    g, iri = p.g, p.iri
    curie = display_curie(iri)
    scope = g.value(iri, IIM.inScope)
    scope_text = {"iim_root": "the root of the IIM classification",
                  "iim_subtree": "a class of the MONDO IIM subtree",
                  "iim_related": "related to the IIM (Orphanet places it under IIM; MONDO does not)",
                  "context": "a context class: a parent outside the IIM subtree, kept so the graph reads alone",
                  "placement_target": "a class another source places an IIM class under"}.get(str(scope), "")
    own = resolver_url(curie) if curie != str(iri) else None
    iri_html = f'<a href="{e(own)}">{e(iri)}</a>' if own else e(iri)
    alt = ""
    if has_page:
        local = str(iri)[len(OBO):]
        alt = (f' \u00b7 <a href="{local}.ttl" type="text/turtle">Turtle</a> \u00b7 '
               f'<a href="{local}.jsonld" type="application/ld+json">JSON-LD</a>')
    types = ", ".join(display_curie(t) for t in sorted(g.objects(iri, RDF.type), key=str))
    own_translations = p.translations(iri)
    return (f'<header class="term"><h1 id="label">{e(p.label(iri))}</h1>\n'
            + (f'<p class="translations">{own_translations}</p>\n' if own_translations else "")
            + f'<p class="ids"><span class="curie" id="curie">{e(curie)}</span> \u00b7 IRI {iri_html}{alt}</p>\n'
            + _languages(p, has_page)
            + (f'<p class="scope">{e(scope_text)}</p>' if scope_text else "")
            + (f'<p class="types">{e(types)}</p>' if types and not scope_text else "") + "</header>")


def _languages(p: _Page, has_page: bool) -> str:
    """Links to this page with ``?lang=`` for each language the page has translated labels in."""
    tags = sorted({v.language for prop in (IIM.translation, IIM.candidateTranslation)
                   for v in p.g.objects(None, prop) if isinstance(v, Literal) and v.language})
    if not tags:
        return ""
    here = f"{str(p.iri)[len(OBO):]}.html" if has_page else str(p.iri).rsplit("/", 1)[-1]
    links = [f'<a href="{e(here)}">English only</a>'] + [
        f'<a href="{e(here)}?lang={e(t)}" hreflang="{e(t)}" lang="{e(t)}">{e(LANGUAGE_NAMES.get(t, t))}</a>'
        for t in tags]
    return ('<p class="languages">HPO labels also in: ' + " \u00b7 ".join(links)
            + ' <span class="note">(official translations; a machine-made candidate is marked)</span></p>\n')


def _translation_table(p: _Page) -> str:
    """The term's own translated labels with their status (HPO terms)."""
    rows = []
    for prop, status in ((IIM.translation, "official"), (IIM.candidateTranslation, CANDIDATE_NOTE)):
        for value in p.g.objects(p.iri, prop):
            tag = getattr(value, "language", None) or ""
            rows.append(((tag, str(value)), f'<tr><td lang="{e(tag)}">{e(value)}</td>'
                                            f"<td>{e(LANGUAGE_NAMES.get(tag, tag))}</td><td>{e(status)}</td></tr>"))
    if not rows:
        return ""
    table = ('<table class="translations"><thead><tr><th>label</th><th>language</th><th>status</th></tr></thead>\n'
             "<tbody>\n" + "\n".join(r for _, r in sorted(rows)) + "\n</tbody></table>")
    return _section("translations", "Translations (HPO)", table)


def _definition(p: _Page) -> str:
    out = []
    for d in sorted(p.g.objects(p.iri, IAO_DEFINITION), key=str):
        ax = p.axiom(IAO_DEFINITION, d)
        xrefs = sorted(str(x) for x in p.g.objects(ax, OBOINOWL.hasDbXref)) if ax is not None else []
        xref_html = " ".join(f'<a href="{e(u)}">{e(x)}</a>' if (u := resolver_url(x)) else e(x) for x in xrefs)
        out.append(f'<p class="definition">{e(d)}</p><p class="def-source">Definition source: {xref_html} '
                   f"{p.axiom_sources(IAO_DEFINITION, d)}</p>")
    for c in sorted(p.g.objects(p.iri, RDFS.comment), key=str):
        out.append(f'<p class="comment">{e(c)}</p>')
    return _section("definition", "Definition", "\n".join(out)) if out else ""


def _synonyms(p: _Page) -> str:
    rows = []
    for prop, scope in SYNONYM_SCOPES.items():
        for syn in p.g.objects(p.iri, prop):
            ax = p.axiom(prop, syn)
            kind = ", ".join(str(k) for k in p.g.objects(ax, IIM.synonymKind)) if ax is not None else ""
            rows.append((str(syn).lower(), str(syn), [f'<span class="synonym">{e(syn)}</span>', e(scope),
                                                      e(kind), p.axiom_sources(prop, syn)]))
    if not rows:
        return ""
    return _section("synonyms", "Synonyms", _table("synonyms", ["synonym", "scope", "kind", "sources"],
                                                    [r[-1] for r in sorted(rows)]))


def _generic(p: _Page) -> str:
    """Every other statement about the term (for terms that are not classes: therapies, sources, claims)."""
    shown = {RDFS.label, IAO_DEFINITION, RDFS.comment, RDFS.subClassOf, IIM.inScope, RDF.type, OBOINOWL.hasDbXref,
             *SYNONYM_SCOPES, SKOS.exactMatch, SKOS.closeMatch, IIM.translation, IIM.candidateTranslation}
    rows = []
    for prop, value in sorted(p.g.predicate_objects(p.iri), key=lambda t: (display_curie(t[0]), str(t[1]))):
        if prop in shown:
            continue
        if prop == DCTERMS.source:
            cell = p.cite([value])
        elif isinstance(value, URIRef):
            cell = p.term(value)
        else:
            cell = e(value)
        rows.append([f'<span class="curie">{e(display_curie(prop))}</span>', cell])
    return _section("statements", "Statements", _table("statements", ["property", "value"], rows)) if rows else ""


def _named_by(p: _Page) -> str:
    """Claims about other terms that name this one as their object (e.g. diseases with this phenotype)."""
    g = p.g
    rows = []
    for c in g.subjects(BIOLINK.object, p.iri):
        if (c, RDF.type, IIM.PlacementClaim) in g:
            continue
        subject = g.value(c, BIOLINK.subject)
        kind = ", ".join(display_curie(t) for t in sorted(g.objects(c, RDF.type), key=str)
                         if t != IIM.Claim)
        rows.append(((p.label(subject) if subject is not None else "").lower(), str(c),
                     [p.term(subject) if subject is not None else "", e(kind), _evidence(p, c),
                      p.cite(g.objects(c, DCTERMS.source))]))
    if not rows:
        return ""
    return _section("named-by", "Statements that name this term",
                    _table("named-by", ["subject", "kind", "evidence", "sources"], [r[-1] for r in sorted(rows)]))


def _sources(p: _Page) -> str:
    g = p.g
    items = []
    for n, src in enumerate(p.sources, 1):
        title = g.value(src, DCTERMS.title)
        ident = g.value(src, DCTERMS.identifier)
        bits = [f"<strong>{e(title)}</strong>" if title is not None else ""]
        publisher, issued = g.value(src, DCTERMS.publisher), g.value(src, DCTERMS.issued)
        if publisher is not None:
            bits.append(e(publisher))
        if issued is not None:
            bits.append(e(issued))
        if ident is not None:
            url = resolver_url(str(ident))
            bits.append(f'<a href="{e(url)}">{e(ident)}</a>' if url else e(ident))
        repo, commit = g.value(src, IIM.repository), g.value(src, IIM.commit)
        if repo is not None:
            where = f"{repo}/tree/{commit}" if commit is not None else str(repo)
            url = resolver_url(f"github:{where}")
            bits.append(f'<a href="{e(url)}">{e(repo)}@{e(str(commit or "")[:10])}</a>' if url else e(repo))
        text = " \u00b7 ".join(b for b in bits if b) or e(display_curie(src))
        items.append(f'<li id="src-{n}"><span class="curie">{e(display_curie(src))}</span> {text}</li>')
    return _section("sources", "Sources", "<ol class=\"sources\">\n" + "\n".join(items) + "\n</ol>") if items else ""


def term_page(description: Graph, iri: URIRef, *, pages: frozenset[str], version: str, root: str,
              jsonld: str, has_page: bool, lang: str | None = None) -> str:
    """The HTML page of one term, from its description (see :func:`iimgraph.web.site.describe`);
    ``lang``: show the translated labels in that language (else all are carried, hidden)."""
    p = _Page(description, iri, pages, root, lang)
    is_class = (iri, RDF.type, OWL.Class) in description
    parts = [_header(p, has_page), _definition(p), _translation_table(p)]
    if is_class:
        parts += [_synonyms(p), _classification(p), _xrefs(p)]
    parts += _claims_html(p)
    if not is_class:
        parts.append(_generic(p))
    parts.append(_named_by(p))
    parts.append(_sources(p))
    # the same triples, machine-readable; "<" is escaped so no data can close the script element
    script = jsonld.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    head = (f'<script type="application/ld+json" id="description">\n{script}</script>\n'
            f'<script src="{root}assets/lang.js" defer></script>\n')
    return _doc(f"{p.label(iri)} ({display_curie(iri)})", "\n".join(x for x in parts if x), root=root,
                version=version, head=head)


# --- index and queries -----------------------------------------------------------------------------


def index_page(graph: Graph, classes: list[URIRef], svg: str, *, version: str) -> str:
    def label(node: URIRef) -> str:
        return str(graph.value(node, RDFS.label) or display_curie(node))

    scope_order = {"iim_root": 0, "iim_subtree": 1, "iim_related": 2, "placement_target": 3, "context": 4}
    rows = []
    for cls in sorted(classes, key=lambda c: (scope_order.get(str(graph.value(c, IIM.inScope)), 9), label(c).lower())):
        local = str(cls)[len(OBO):]
        rows.append([f'<a href="term/{e(local)}.html">{e(label(cls))}</a>', f'<span class="curie">{e(display_curie(cls))}</span>',
                     e(graph.value(cls, IIM.inScope) or "")])
    body = (
        "<header><h1>Idiopathic inflammatory myopathies: the knowledge graph</h1>\n"
        "<p>The classification of the idiopathic inflammatory myopathies as MONDO asserts it, with the places "
        "where Orphanet, the Disease Ontology and ICD put a class elsewhere, and, for each class, its "
        "definition, synonyms, cross-references and the clinical statements of the graph with their sources. "
        'Every class has a page; <a href="queries.html">the query catalogue</a> asks the graph questions.</p>'
        "</header>\n"
        '<section id="tree"><h2>Classification</h2>\n<figure class="tree">\n' + svg +
        '<figcaption>Subclasses of idiopathic inflammatory myopathy (MONDO:0600023). '
        '<a href="classification.svg">The picture alone</a>.</figcaption>\n</figure></section>\n'
        + _section("classes", "Every class", _table("classes", ["class", "identifier", "scope"], rows))
    )
    return _doc("IIM graph", body, root="", version=version)


def _example_values(examples: Iterable[str]) -> dict[str, str]:
    for example in examples:
        try:
            words = shlex.split(example)
        except ValueError:
            continue
        values = {}
        for i, w in enumerate(words[:-1]):
            if w in ("-p", "--param"):
                key, _, value = words[i + 1].partition("=")
                values[key] = value
        if values:
            return values
    return {}


def queries_page(*, version: str) -> str:
    """Every catalogue query with its description and parameters, and a form that runs it on ``serve``."""
    sections = []
    toc = []
    for name, q in catalogue().items():
        example = _example_values(q.examples)
        fields = []
        rows = []
        for prm in q.params:
            mode = "required" if prm.required else (f"default {prm.default}" if prm.default is not None else "optional")
            rows.append([f"<code>{e(prm.name)}</code>", e(prm.type), e(mode), e(prm.description)])
            value = example.get(prm.name, prm.default or "")
            ident = f"q-{name}-{prm.name}"
            if prm.type == "boolean":
                options = "".join(f'<option value="{v}"{" selected" if v == (value or "false") else ""}>{v}</option>'
                                  for v in ("false", "true"))
                control = f'<select id="{e(ident)}" name="{e(prm.name)}">{options}</select>'
            else:
                kind = "number" if prm.type == "integer" else "text"
                req = " required" if prm.required else ""
                control = (f'<input id="{e(ident)}" name="{e(prm.name)}" type="{kind}" value="{e(value)}"'
                           f' placeholder="{e(prm.type)}"{req}>')
            fields.append(f'<label for="{e(ident)}">{e(prm.name)}</label> {control}')
        params_html = (_table("params", ["parameter", "type", "mode", "meaning"], rows) if rows
                       else '<p class="note">No parameters.</p>')
        columns = ", ".join(q.columns)
        sections.append(
            f'<section class="query" id="q-{e(name)}">\n<h2>{e(q.title)} <code>{e(name)}</code></h2>\n'
            f"<p>{e(q.description)}</p>\n{params_html}\n"
            + (f'<p class="note">Columns: {e(columns)}</p>\n' if columns else "")
            + f'<form class="run" data-query="{e(name)}">{" ".join(fields)} '
            f'<button type="submit">Run</button></form>\n'
            f'<div class="result" id="result-{e(name)}" aria-live="polite"></div>\n'
            f"<details><summary>SPARQL</summary><pre>{e(q.text)}</pre></details>\n</section>")
        toc.append(f'<li><a href="#q-{e(name)}">{e(name)}</a>: {e(q.title)}</li>')
    body = (
        "<header><h1>The query catalogue</h1>\n"
        "<p>Each query below is a file of the package (<code>iimgraph query NAME</code> runs it from a shell). "
        "The Run buttons send the parameters to <code>iimgraph serve</code>, which binds them as typed RDF terms "
        "on the server (<code>/run/NAME</code>) and answers with SPARQL JSON results.</p>\n"
        '<p id="offline" class="warning" hidden>These queries need <code>iimgraph serve</code>: this page was '
        "opened as a file, so there is no endpoint to run them on. Start <code>iimgraph serve</code> and open "
        "the page it serves (http://127.0.0.1:7878/queries.html).</p>\n"
        f'<ul class="toc">{"".join(toc)}</ul></header>\n' + "\n".join(sections)
    )
    head = '<script src="assets/queries.js" defer></script>\n'
    return _doc("IIM graph: queries", body, root="", version=version, head=head)


def rank_page(*, version: str) -> str:
    """The ranking form (``rank.html``): findings in, the ranking from ``/rank`` on ``serve`` out (``assets/rank.js``)."""
    body = (
        "<header><h1>Which IIM subtype fits these findings?</h1>\n"
        f'<p class="warning"><strong>{e(NOTICE)}.</strong></p>\n'
        "<p>Give the patient's findings as HPO terms (CURIEs such as <code>HP:0003701</code>, IRIs, or labels and "
        "synonyms such as <code>mechanic's hands</code> or <code>anti-Jo-1 antibody positivity</code>), separated "
        "by commas. Each subtype with curated annotations gets a likelihood ratio per finding and a post-test "
        "probability; the explanation names the annotation and the source each ratio rests on. The model is "
        "described in <code>docs/rank.md</code>; <code>iimgraph rank</code> does the same from a shell.</p>\n"
        '<p id="offline" class="warning" hidden>Ranking needs <code>iimgraph serve</code>: this page was opened '
        "as a file. Start <code>iimgraph serve</code> and open http://127.0.0.1:7878/rank.html.</p>\n</header>\n"
        '<form id="rank-form" class="run">\n'
        '<label for="rank-hpo">observed</label> <input id="rank-hpo" name="hpo" type="text" size="60" '
        'value="HP:0003701, HP:0006530, HP:0034152" required>\n'
        '<label for="rank-absent">absent</label> <input id="rank-absent" name="absent" type="text" size="30">\n'
        '<label for="rank-onset">onset</label> <input id="rank-onset" name="onset" type="text" size="12">\n'
        '<label for="rank-top">top</label> <input id="rank-top" name="top" type="number" min="1" value="5">\n'
        '<button type="submit">Rank</button></form>\n'
        '<div class="result" id="rank-result" aria-live="polite"></div>\n'
    )
    head = '<script src="assets/rank.js" defer></script>\n'
    return _doc("IIM graph: rank subtypes by findings", body, root="", version=version, head=head)


__all__ = ["RESOLVERS", "index_page", "queries_page", "rank_page", "resolver_url", "term_page"]
