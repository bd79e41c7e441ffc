"""The site and term routes of ``iimgraph serve``: static pages, content negotiation, and ``/run/NAME``.

Independent of the HTTP server: :meth:`SiteRoutes.handle` maps a GET path, query string and Accept
header to a :class:`Response`, or to a :class:`RunQuery` that the server answers through its guarded
SPARQL path (timeout, row cap, read-only checks), or to None (not a site path).

Paths (a term's local path names a *document about* the term; the term's IRI stays the OBO PURL or
the w3id IRI):

- ``/term/<ID>`` for ``http://purl.obolibrary.org/obo/<ID>`` (``/term/MONDO_0016367``)
- ``/iimgraph/<path>`` for ``https://w3id.org/iimgraph/<path>`` (``/iimgraph/term/therapy-corticosteroids``);
  a w3id.org rule that 303-redirects ``https://w3id.org/iimgraph/(.*)`` to ``https://<host>/iimgraph/$1``
  makes the project IRIs resolve here.

Both answer ``200`` with ``Vary: Accept`` in the best of HTML (``text/html``, the default, also for
``*/*``), Turtle (``text/turtle``) or JSON-LD (``application/ld+json``, also for ``application/json``);
``?format=html|ttl|jsonld`` overrides the header; nothing acceptable gives ``406`` listing the three
types; an IRI the graph does not describe gives ``404``. Terms with a static page also carry
``Content-Location: /term/<ID>.<ext>``, the same bytes as the static site. The site's own files
(``/``, ``/queries.html``, ``/term/<ID>.html``, ``/assets/...``) are served as generated.
``?lang=es`` (a language tag) renders a term's HTML page with the translated HPO labels in that
language beside the English ones (official, or marked as a candidate); without it the page is the
static file. ``/run/NAME?param=value`` binds the parameters on the server (``binding.resolve_params`` and
``bind``: typed RDF terms in a ``VALUES`` block) and runs the catalogue query like any other
query of the endpoint. ``/rank?hpo=...&absent=...&onset=...&top=N`` answers the subtype ranking
(:mod:`iimgraph.rank`) as JSON, for the site's ``rank.html`` form.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from iimgraph.build.graph_source import RELEASE, GraphSource, local_source
from iimgraph.errors import IIMGraphError, QueryError
from iimgraph.namespaces import bind_prefixes
from iimgraph.query.binding import bind, resolve_params
from iimgraph.query.catalogue import catalogue
from iimgraph.rank.explain import to_json
from iimgraph.rank.model import rank
from iimgraph.settings import AGE_YEARS, check_number

TERM_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html",
    "text/turtle": "ttl", "application/x-turtle": "ttl",
    "application/ld+json": "jsonld", "application/json": "jsonld",
}
#: what ``?lang=`` accepts: a primary language subtag
LANG_RE = re.compile(r"[a-z]{2,3}")
WILDCARDS = {"*/*": "html", "text/*": "html", "application/*": "jsonld"}
FORMAT_NAMES = {"html": "html", "ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json-ld": "jsonld",
                "json": "jsonld"}
BOUND_KEPT = 1024  # /run texts kept bound (a few kB each)
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8", "ttl": "text/turtle; charset=utf-8", "jsonld": "application/ld+json",
    "svg": "image/svg+xml", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RunQuery:
    """A catalogue query bound on the server, for the endpoint to run; ``fmt`` is a ``format=`` value if given."""

    text: str
    fmt: str | None


def _text(status: int, message: str) -> Response:
    return Response(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8")


def accept_ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q values, in header order (no q: 1; unreadable: 0)."""
    ranges = []
    for part in (accept or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in pieces[1:]:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        ranges.append((pieces[0].lower(), q))
    return ranges


def negotiate_term(accept: str) -> str | None:
    """``html``, ``ttl`` or ``jsonld`` for an Accept header; None when none of them is acceptable."""
    if not (accept or "").strip():
        return "html"
    choices = []
    for i, (media, q) in enumerate(accept_ranges(accept)):
        fmt = TERM_TYPES.get(media) or WILDCARDS.get(media)
        if fmt and q > 0:
            exact = 0 if media in TERM_TYPES else 1  # a named type beats a wildcard of the same q
            choices.append((-q, exact, i, fmt))
    return min(choices)[3] if choices else None


class SiteRoutes:
    """Holds the site (built on first use, from the graph the endpoint serves) and answers its paths."""

    def __init__(self, graph: Any = None, *, source: GraphSource = RELEASE) -> None:
        """``graph``: the graph to show; else the graph ``source`` names (default: the release graph),
        which ``/rank`` also reads."""
        self._graph = graph
        self._source = local_source(source, "the site")
        self._site: Any = None
        self._files: dict[str, bytes] | None = None
        self._lock = threading.Lock()
        # /run/NAME's texts bound before, by (name, parameters): the catalogue is read once per process
        self._bound: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def site(self) -> Any:
        with self._lock:
            if self._site is None:
                from iimgraph.web.site import Site

                graph = self._graph
                if graph is None:
                    from rdflib import Graph

                    graph = Graph()
                    graph.parse(data=self._source.ntriples(), format="nt")
                    bind_prefixes(graph)
                site = Site(graph)
                self._files = site.files()
                self._site = site
            return self._site

    @property
    def built(self) -> bool:
        """Whether the site has been built yet (it is built on the first site request, never at start)."""
        return self._site is not None

    def files(self) -> dict[str, bytes]:
        self.site()
        assert self._files is not None
        return self._files

    def handle(self, path: str, query: str, accept: str) -> Response | RunQuery | None:
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        if path.startswith("/run/"):
            return self._run(urllib.parse.unquote(path[len("/run/"):]), params)
        if path == "/rank":
            return rank_response(params, self._source)
        if path in ("/", ""):
            path = "/index.html"
        name = path.lstrip("/")
        if name.startswith("term/") and name.endswith(".html") and "lang" in params:
            return self._term(path[: -len(".html")], {**params, "format": ["html"]}, accept)
        if name in ("index.html", "queries.html", "rank.html", "classification.svg") or name.startswith(("assets/", "term/")):
            files = self.files()
            if name in files:
                suffix = name.rsplit(".", 1)[-1]
                return Response(200, files[name], CONTENT_TYPES.get(suffix, "application/octet-stream"))
        if path.startswith(("/term/", "/iimgraph/")):
            return self._term(path, params, accept)
        return None

    def _term(self, path: str, params: dict[str, list[str]], accept: str) -> Response:
        from rdflib import URIRef

        from iimgraph.web.site import iri_for_path, page_name

        iri = iri_for_path(path)
        if iri is None:
            return _text(404, f"not found: {path} (terms are at /term/<ID> or /iimgraph/<path>)")
        if "format" in params:
            fmt = FORMAT_NAMES.get(params["format"][-1].lower())
            if fmt is None:
                return _text(400, f"unknown format {params['format'][-1]!r}: use html, ttl or jsonld")
        else:
            fmt = negotiate_term(accept)
            if fmt is None:
                return _text(406, "not acceptable: this term is available as text/html, text/turtle and "
                                  "application/ld+json")
        lang = params["lang"][-1].strip().lower() if "lang" in params else None
        if lang is not None and not LANG_RE.fullmatch(lang):
            return _text(400, f"lang {params['lang'][-1]!r} is not a language tag (es, fr, ja, ...)")
        site = self.site()
        headers = {"Vary": "Accept"}
        name = page_name(str(iri))
        if lang and fmt == "html":
            if not site.knows(URIRef(iri)):
                return _text(404, f"not found: the graph says nothing about <{iri}>")
            body = site.term_documents(URIRef(iri), lang)["html"]
        elif name and str(iri) in site.pages:
            body = self.files()[f"{name}.{fmt}"]
            headers["Content-Location"] = f"/{name}.{fmt}"
        elif site.knows(URIRef(iri)):
            body = site.term_documents(URIRef(iri))[fmt]
        else:
            return _text(404, f"not found: the graph says nothing about <{iri}>")
        return Response(200, body, CONTENT_TYPES[fmt], headers)

    def _run(self, name: str, params: dict[str, list[str]]) -> Response | RunQuery:
        fmt = params.pop("format", [None])[-1]
        values = {k: v[-1] for k, v in params.items()}
        key = (name, tuple(sorted(values.items())))
        text = self._bound.get(key)
        if text is not None:  # the same query and parameters bind to the same text (a sixth of a request's CPU)
            return RunQuery(text, fmt)
        query = catalogue().get(name)
        if query is None:
            return _text(404, f"no query named {name!r} (see /queries.html)")
        try:
            text = bind(query.text, resolve_params(query, values))
        except QueryError as exc:
            return _text(400, str(exc))
        with self._lock:
            if len(self._bound) >= BOUND_KEPT:
                self._bound.pop(next(iter(self._bound)))  # the oldest out
            self._bound[key] = text
        return RunQuery(text, fmt)


def rank_response(params: dict[str, list[str]], source: GraphSource = RELEASE) -> Response:
    """``/rank?hpo=HP:...&absent=HP:...&onset=HP:...&age=YEARS&top=N&suggest=N``: the ranking as JSON (400 with an
    ``error`` member for a bad finding). ``hpo`` may repeat or hold several terms separated by commas."""
    def terms(key: str) -> list[str]:
        return [t.strip() for v in params.get(key, []) for t in v.split(",") if t.strip()]

    try:
        top_text = (params.get("top") or [""])[-1].strip()
        top = int(top_text) if top_text else None
    except ValueError:
        body = json.dumps({"error": f"top must be a whole number, not {params['top'][-1]!r}"})
        return Response(400, body.encode("utf-8"), "application/json")
    try:
        suggest_text = (params.get("suggest") or [""])[-1].strip()
        suggestions = min(int(suggest_text), 50) if suggest_text else 0
    except ValueError:
        body = json.dumps({"error": f"suggest must be a whole number, not {params['suggest'][-1]!r}"})
        return Response(400, body.encode("utf-8"), "application/json")
    try:
        age_text = (params.get("age") or [""])[-1].strip()
        age = check_number(age_text, "age", AGE_YEARS) if age_text else None
        result = rank(terms("hpo"), absent=terms("absent"), onset=terms("onset"), age=age, top=top,
                      suggestions=suggestions, source=source)
    except IIMGraphError as exc:
        return Response(400, json.dumps({"error": str(exc)}, ensure_ascii=False).encode("utf-8"),
                        "application/json")
    return Response(200, to_json(result).encode("utf-8"), "application/json")
