"""The ontology as OBO 1.4 (``iimgraph.obo``) and obographs JSON (``iimgraph.json``): the forms OAK,
pronto and OLS read fastest (OAK and pronto take 12-55 s per command on the Turtle, under a second here).

Both are written by pronto from the release's RDF/XML (each run of one tag's values sorted, as pronto
writes them in set order), so they hold what an OBO tool sees of the OWL:
classes with labels, definitions and their sources, synonyms, cross-references, alternative ids and
``is_a``; the claims, sources and mappings' justifications stay in the RDF products and the SSSOM file.
pronto's JSON is made what the obographs schema says before it is written: the ontology and version
IRIs as they are, the synonyms (pronto's JSON writer drops them), no ``null`` fields, no
``lbl`` on a cross-reference, and cross-references as CURIEs (as the OBO file gives them), not as OBO
PURLs pronto builds for every prefix (``http://purl.obolibrary.org/obo/ICD10_M33.0`` for ``ICD10:M33.0``).
"""

from __future__ import annotations

import io
import json
import re
import warnings
from typing import Any

from iimgraph.namespaces import OBO

OBO_FILE = "iimgraph.obo"
OBOGRAPHS_FILE = "iimgraph.json"
_OBO_PURL = re.compile("^" + re.escape(OBO) + r"([A-Za-z][A-Za-z0-9.-]*)_(.+)$")


def obo_products(owl: bytes) -> dict[str, bytes]:
    """``{file name: bytes}`` of the OBO and obographs JSON forms of ``owl`` (RDF/XML)."""
    import pronto  # only for a release

    with warnings.catch_warnings():  # pronto warns about every OWL construct OBO has no tag for
        warnings.simplefilter("ignore")
        ontology = pronto.Ontology(io.BytesIO(owl))
        obo, graph = io.BytesIO(), io.BytesIO()
        ontology.dump(obo, format="obo")
        ontology.dump(graph, format="json")
    document = _obographs(json.loads(graph.getvalue()))
    _add_synonyms(document, ontology)
    for g in document.get("graphs", []):  # pronto joins the OBO PURL to the IRI: give the IRIs as they are
        g["id"] = ontology.metadata.ontology
        if ontology.metadata.data_version:
            g.setdefault("meta", {})["version"] = ontology.metadata.data_version
    return {OBO_FILE: _stable_obo(obo.getvalue()),
            OBOGRAPHS_FILE: (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")}


def _stable_obo(text: bytes) -> bytes:
    """pronto writes a tag's values in set order, which changes with the hash seed: sort each run of lines
    that share a tag, so the same ontology gives the same bytes (the order of one tag's values means nothing)."""
    out: list[bytes] = []
    run: list[bytes] = []
    tag = None
    for line in text.splitlines(keepends=True):
        this = line.split(b":", 1)[0] if b":" in line and not line.startswith(b"[") else None
        if this is not None and this == tag:
            run.append(line)
            continue
        out.extend(sorted(run))
        run, tag = [line], this
    out.extend(sorted(run))
    return b"".join(out)


def _obographs(node: Any, key: str = "") -> Any:
    """pronto's JSON as the obographs schema has it (see the module docstring)."""
    if isinstance(node, dict):
        out = {k: _obographs(v, k) for k, v in node.items() if v is not None}
        if key == "xrefs":
            out.pop("lbl", None)
            if isinstance(out.get("val"), str):
                out["val"] = _curie(out["val"])
        return out
    if isinstance(node, list):
        return [_curie(v) if key == "xrefs" and isinstance(v, str) else _obographs(v, key) for v in node]
    return node


_SYNONYM_PRED = {"EXACT": "hasExactSynonym", "BROAD": "hasBroadSynonym", "NARROW": "hasNarrowSynonym",
                 "RELATED": "hasRelatedSynonym"}


def _add_synonyms(document: dict[str, Any], ontology: Any) -> None:
    """pronto's JSON writer leaves every ``synonyms`` list empty: fill it from the terms, as obographs has it."""
    terms = {term.id: term for term in ontology.terms()}
    for graph in document.get("graphs", []):
        for node in graph.get("nodes", []):
            term = terms.get(node.get("id", "")) or terms.get(_curie(node.get("id", "")))
            synonyms = sorted(getattr(term, "synonyms", ()) or (), key=lambda s: (s.scope or "", s.description))
            if not synonyms:
                continue
            node.setdefault("meta", {})["synonyms"] = [
                {"pred": _SYNONYM_PRED.get(s.scope or "RELATED", "hasRelatedSynonym"), "val": s.description,
                 "xrefs": sorted(str(x.id) for x in s.xrefs)} for s in synonyms]


def _curie(value: str) -> str:
    match = _OBO_PURL.match(value)
    return f"{match.group(1)}:{match.group(2)}" if match else value
