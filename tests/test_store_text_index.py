"""The store's text index for ``search``: the same rows as the query's SPARQL, on the shipped graph and with companions."""

from __future__ import annotations

import re

import pytest

from iimgraph.build.cache import release_ntriples
from iimgraph.query import text_index
from iimgraph.query.binding import bind, resolve_params
from iimgraph.query.catalogue import get_query
from iimgraph.query.engines import OxigraphEngine
from iimgraph.query.run import execute
from iimgraph.query.store import open_store

# labels and synonyms as whole ontologies write them, and the odd cases of the normalisation: punctuation,
# language tags, a typed literal, escapes, characters whose lower case is ASCII (U+0130, the Kelvin sign),
# a blank-node subject (never a hit), a term under the autoantibody root (found through a link), and a
# label the IIM graph holds too
COMPANION_TTL = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
obo:MONDO_9900001 rdfs:label "Companion JO-1 myositis" ;
  oboInOwl:hasExactSynonym "anti-Jo1 companion"@en ;
  oboInOwl:hasRelatedSynonym "jo 1 \\"quoted\\"\\ttabbed\\nline" ;
  oboInOwl:hasBroadSynonym "KELVIN \\u212A and \\u0130stanbul" ;
  oboInOwl:hasNarrowSynonym "7"^^xsd:integer .
obo:HP_9900002 rdfs:label "Anti-companion antibody positivity" ;
  rdfs:subClassOf obo:HP_0030057 .
[] rdfs:label "jo1 blank node" .
obo:MONDO_0019344 rdfs:label "antisynthetase syndrome" .
"""

TEXTS = ("jo1", "Jo-1", "anti", "myositis", "companion", "kelvin", "k", "istanbul", "quotedtabbed", "7", "",
         "--", "antisynthetase syndrome", "ANTI-JO1")


@pytest.fixture(scope="module", autouse=True)
def warm_cache() -> None:
    release_ntriples()


def _both(handle):
    return OxigraphEngine(store=handle), OxigraphEngine(store=handle, text_index=False)


def test_search_over_the_index_gives_the_rows_of_the_sparql_on_the_shipped_graph(tmp_path):
    indexed, reference = _both(open_store(tmp_path / "store"))
    for text in ("jo1", "Jo-1", "anti", "myositis", "dermatomyositis", "", "--"):
        rows = execute("search", {"text": text}, engine=indexed).rows
        assert rows == execute("search", {"text": text}, engine=reference).rows, text
    assert (tmp_path / "store" / text_index.FILE).is_file()


def test_search_over_the_index_gives_the_rows_of_the_sparql_with_a_companion(tmp_path):
    companion = tmp_path / "companion.ttl"
    companion.write_text(COMPANION_TTL, encoding="utf-8")
    indexed, reference = _both(open_store(tmp_path / "store", [companion]))
    found = set()
    for text in TEXTS:
        rows = execute("search", {"text": text}, engine=indexed).rows
        assert rows == execute("search", {"text": text}, engine=reference).rows, text
        found |= {str(r["term"]) for r in rows}
    assert {"http://purl.obolibrary.org/obo/MONDO_9900001", "http://purl.obolibrary.org/obo/HP_9900002"} <= found


def test_the_engine_answers_the_marked_lines_from_the_index(tmp_path):
    handle = open_store(tmp_path / "store")
    engine = OxigraphEngine(store=handle)
    query = get_query("search")
    text = bind(query.text, resolve_params(query, {"text": "jo1"}))
    rewritten = text_index.rewrite(text, handle.store, engine._text_index)
    assert "VALUES (?hit ?m ?field0)" in rewritten and "CONTAINS(" not in rewritten
    assert "<http://purl.obolibrary.org/obo/HP_0034152>" in rewritten
    # each link branch starts from the hits found, each hit once
    hits = re.findall(r"VALUES \?hit \{ ([^}]*) \}", rewritten)
    assert len(hits) == 2 and "#@text-index hits" not in rewritten
    found = hits[0].split()
    assert hits[0] == hits[1] and "<http://purl.obolibrary.org/obo/HP_0034152>" in found
    assert len(found) == len(set(found))
    # unbound text (no parameters in the group): the query runs as written
    assert text_index.rewrite(query.text, handle.store, engine._text_index) == query.text


def test_the_index_is_made_again_when_the_store_changes(tmp_path):
    companion = tmp_path / "companion.ttl"
    companion.write_text(COMPANION_TTL, encoding="utf-8")
    folder = tmp_path / "store"
    engine = OxigraphEngine(store=open_store(folder, [companion]))
    assert execute("search", {"text": "zebrafinch"}, engine=engine).rows == []
    first = (folder / text_index.FILE).read_bytes().split(b"\n", 1)[0]
    engine.handle.close()
    companion.write_text(COMPANION_TTL + 'obo:MONDO_9900003 rdfs:label "zebra finch disease" .\n', encoding="utf-8")
    engine = OxigraphEngine(store=open_store(folder, [companion]))
    rows = execute("search", {"text": "zebrafinch"}, engine=engine).rows
    assert [str(r["term"]) for r in rows] == ["http://purl.obolibrary.org/obo/MONDO_9900003"]
    assert (folder / text_index.FILE).read_bytes().split(b"\n", 1)[0] != first


def test_a_damaged_index_file_is_built_again(tmp_path):
    folder = tmp_path / "store"
    handle = open_store(folder)
    (folder / text_index.FILE).write_bytes(b"iimgraph text index 1 wrongkey\n5\nabc\n")
    rows = execute("search", {"text": "jo1"}, engine=OxigraphEngine(store=handle)).rows
    assert rows == execute("search", {"text": "jo1"}, engine=OxigraphEngine(store=handle, text_index=False)).rows
    assert (folder / text_index.FILE).read_bytes().startswith(b"iimgraph text index 1 " + text_index.index_key(
        handle.manifest).encode())


def test_the_marked_lines_of_search_match_what_the_index_holds():
    """The index is built from FIELDS and NORMALISE: the lines it stands for must use the same."""
    text = get_query("search").text
    found = text_index.marked(text)
    assert found is not None and (found.needle, found.bound) == ("needle", ("hit", "m", "field0"))
    lines = text[found.begin:found.end]
    prefixes = dict(re.findall(r"PREFIX (\w+): <([^>]+)>", text))
    predicates = [prefixes[p] + local for p, local in re.findall(r"\?hit (\w+):(\w+) \?m", lines)]
    assert tuple(predicates) == text_index.FIELDS
    assert f"FILTER(CONTAINS({text_index.NORMALISE}, ?needle))" in lines
    assert "FILTER(isIRI(?hit) && isLiteral(?m) && STRLEN(?needle) > 0)" in lines
    # nothing else between the markers: every other pattern of the group still runs as written
    rest = re.sub(r"#[^\n]*", "", lines)
    assert rest.count("FILTER") == 2 and rest.count("UNION") == len(text_index.FIELDS) - 1


def test_the_hits_markers_of_search_stand_in_branches_joined_with_the_marked_lines():
    """``VALUES ?hit`` in a branch gives the same rows only where the branch is joined with the marked lines'
    ?hit: both markers are the first line of a UNION branch of the group that follows them, in the same
    group, with no OPTIONAL, MINUS or NOT EXISTS around them."""
    text = get_query("search").text
    found = text_index.marked(text)
    assert found is not None
    after = text[found.end:]
    markers = [m.start() for m in re.finditer(r"#@text-index hits \?hit\b", after)]
    assert len(markers) == 2
    # the marked lines' group closes, then the branches follow in the group that holds both
    group_end = after.index("\n      }\n")
    links = after[group_end:after.index("BIND(COALESCE(")]
    assert links.count("#@text-index hits ?hit") == 2
    assert re.fullmatch(r"\s*}\s*(#[^\n]*\n\s*)*\{ BIND\(false AS \?via0\) \}\s*UNION\s*(#[^\n]*\n\s*)*"
                        r"\{ #@text-index hits \?hit\n[^{}]*\}\s*UNION\s*\{ #@text-index hits \?hit\n.*",
                        links, flags=re.S), links
    for word in ("OPTIONAL", "MINUS"):
        assert word not in re.sub(r"#[^\n]*", "", links)


def test_matches_find_each_row_once_and_nothing_for_a_needle_the_normalisation_cannot_give():
    rows = b'<http://a>\t"Jo-1 jo-1"\n<http://b>\t"abc"\n'
    second = f"{rows.index(b'<http://b>'):x}".translate(str.maketrans("0123456789abcdef", "ABCDEFGHIJKLMNOP"))
    lines = b"jo1jo1\tAA\nabc\tB" + second.encode() + b"\n"
    index = text_index._parse(b"iimgraph text index 1 k\n%d\n" % len(lines) + lines + rows, "k")
    assert index is not None
    assert index.matches("jo1") == [("<http://a>", '"Jo-1 jo-1"', f"<{text_index.FIELDS[0]}>")]
    assert index.matches("bc") == [("<http://b>", '"abc"', f"<{text_index.FIELDS[1]}>")]
    assert index.matches("") == index.matches("JO1") == index.matches("a\tb") == []


def test_matches_keep_every_line_holding_the_needle_once_for_every_length_of_needle():
    texts = ["aaaa", "abab", "aab", "jo1jo1jo1", "x", "myositismyositis", "dermatomyositis", "a1b2c3d4e5f6",
             "bbbbbbbbbbbbbbbbbbbb", "ab" * 15, "zz"]
    rows = b"".join(f'<http://t/{i}>\t"{t}"\n'.encode() for i, t in enumerate(texts))
    lines, at = b"", 0
    for i, t in enumerate(texts):
        offset = f"{at:x}".translate(str.maketrans("0123456789abcdef", "ABCDEFGHIJKLMNOP"))
        lines += t.encode() + b"\tA" + offset.encode() + b"\n"
        at += len(f'<http://t/{i}>\t"{t}"\n'.encode())
    index = text_index._parse(b"iimgraph text index 1 k\n%d\n" % len(lines) + lines + rows, "k")
    assert index is not None
    needles = {t[i:j] for t in texts for i in range(len(t)) for j in range(i + 1, len(t) + 1)} | {"q", "abababababababab" * 2}
    for needle in sorted(needles):
        expected = [(f"<http://t/{i}>", f'"{t}"', f"<{text_index.FIELDS[0]}>") for i, t in enumerate(texts) if needle in t]
        assert index.matches(needle) == expected, needle


def _rows(rows) -> set:
    """Index rows with their terms parsed (the store writes a number bare, a file's literal is written in full)."""
    import pyoxigraph as ox

    out = set()
    for number, norm, terms in rows:
        hit, literal = terms.decode().split("\t", 1)
        quad = next(iter(ox.parse(f"{hit} <urn:p> {literal} .".encode(), format=ox.RdfFormat.TURTLE)))
        out.add((number, norm, quad.subject, quad.object))
    return out


def test_the_rows_read_from_the_companion_files_are_the_rows_the_store_holds(tmp_path):
    import gzip

    companion = tmp_path / "companion.ttl"
    companion.write_text(COMPANION_TTL, encoding="utf-8")
    gzipped = tmp_path / "more.nt.gz"
    gzipped.write_bytes(gzip.compress(b'<http://purl.obolibrary.org/obo/HP_9900004> '
                                      b'<http://www.w3.org/2000/01/rdf-schema#label> "Gz-Term \\u00e9"@fr .\n'))
    handle = open_store(tmp_path / "store", [companion, gzipped])
    from_files = list(text_index._extract(handle.store, handle.manifest))
    from_store = list(text_index._from_store(handle.store))
    assert len(from_files) == len(_rows(from_files)) > 2_000  # each row once
    assert _rows(from_files) == _rows(from_store)
    assert (0, b"gzterm") in {r[:2] for r in _rows(from_files)}  # the gzipped file's label, its letter dropped


def test_a_companion_changed_since_the_load_is_not_read_the_store_is(tmp_path):
    companion = tmp_path / "companion.ttl"
    companion.write_text(COMPANION_TTL, encoding="utf-8")
    handle = open_store(tmp_path / "store", [companion])
    companion.write_text(COMPANION_TTL.replace("Companion JO-1 myositis", "Renamed disease"), encoding="utf-8")
    rows = _rows(text_index._extract(handle.store, handle.manifest))
    assert rows == _rows(text_index._from_store(handle.store))
    assert {r[1] for r in rows} >= {b"companionjo1myositis"} and b"renameddisease" not in {r[1] for r in rows}


def test_a_damaged_rows_section_is_a_one_line_query_error():
    from iimgraph.errors import QueryError

    index = text_index._parse(b"iimgraph text index 1 k\n9\njo1\tAPPP\nxx", "k")
    assert index is not None
    with pytest.raises(QueryError, match="text index is damaged"):
        text_index.rewrite('SELECT * WHERE { { VALUES (?t) { ("jo1") } BIND(?t AS ?n)\n#@text-index ?n ?a ?b ?c\n'
                           '#@text-index end\n } }', _Store(), lambda: index)


class _Store:
    """A store whose every query answers the needle "jo1"."""

    def query(self, text, **kwargs):
        import pyoxigraph as ox

        return [[ox.Literal("jo1")]]
