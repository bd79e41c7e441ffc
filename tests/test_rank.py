"""The phenotype ranking (iimgraph.rank): the likelihood ratios by hand, their properties on the
real profiles, how findings are read, and the CLI and serve entry points."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from dataclasses import fields

import pytest

from iimgraph.errors import TermError
from iimgraph.rank import knowledge, model, rank
from iimgraph.rank.model import (
    EXCLUDED_LR,
    NOTICE,
    RankedSubtype,
    TermLR,
    background,
    missing_lr,
    read_findings,
    resolve,
    score,
)
from iimgraph.rank.profiles import Annotation, Knowledge, Profile

from .cli import invoke
from .conftest import read_tsv

# --- a hand-made knowledge base: every number below is worked out by hand ---------------------------


def _ann(term: str, freq_term: str | None, freq: float, negated: bool = False) -> Annotation:
    return Annotation(term=term, kind="phenotype", frequency=freq, frequency_term=freq_term,
                      frequency_basis="test", negated=negated, evidence="TAS", claim=f"iimc:test-{term}",
                      sources=("PMID:1",))


def _small_kb() -> Knowledge:
    #  HP:0000001 -> HP:0000118 -> A (HP:1000001) -> A1 (HP:1000011)
    #                           -> B (HP:1000002)
    parents = {"HP:0000118": ("HP:0000001",), "HP:1000001": ("HP:0000118",), "HP:1000011": ("HP:1000001",),
               "HP:1000002": ("HP:0000118",), "HP:1000003": ("HP:0000118",)}
    labels = {"HP:0000001": "All", "HP:0000118": "Phenotypic abnormality", "HP:1000001": "alpha",
              "HP:1000011": "alpha one", "HP:1000002": "beta", "HP:1000003": "gamma", "HP:1000099": "old"}
    counts = {"HP:0000001": 1000, "HP:0000118": 1000, "HP:1000001": 50, "HP:1000011": 5, "HP:1000002": 10,
              "HP:1000003": 100}
    d1 = Profile("MONDO:1", "one")
    d1.add(_ann("HP:1000001", "HP:0040281", 0.895))
    d2 = Profile("MONDO:2", "two")
    d2.add(_ann("HP:1000002", "HP:0040283", 0.17))
    d2.add(_ann("HP:1000003", None, 0.0, negated=True))
    return Knowledge(labels=labels, parents=parents, synonyms={"HP:1000002": ("bravo",)},
                     replaced_by={"HP:1000099": None, "HP:1000098": "HP:1000002"}, counts=counts,
                     total_diseases=1000, hpo_version="test", profiles={"MONDO:1": d1, "MONDO:2": d2},
                     not_scorable=[], disease_labels={})


def test_two_term_likelihood_ratios_by_hand() -> None:
    kb = _small_kb()
    res = rank(["HP:1000001", "HP:1000002"], kb=kb)
    one, two = {r.disease: r for r in res.rows}["MONDO:1"], {r.disease: r for r in res.rows}["MONDO:2"]
    # missing findings: LR exp(-(IC - IC_common) / 2) = sqrt(bg / 0.05), at most 1
    beta_missing = math.sqrt(0.01 / 0.05)
    assert missing_lr("HP:1000002", kb) == pytest.approx(beta_missing) and missing_lr("HP:1000001", kb) == 1.0
    # one: alpha exact, very frequent 0.895 over background 50/1000 -> 17.9; beta unannotated
    assert [t.lr for t in one.terms] == pytest.approx([0.895 / 0.05, beta_missing])
    assert one.terms[0].match == "exact" and one.terms[1].match == "no-annotation"
    # two: alpha (as common as the reference background) unannotated -> 1; beta occasional 0.17 over 10/1000 -> 17
    assert [t.lr for t in two.terms] == pytest.approx([1.0, 17.0])
    # both profiles expect fewer features (0.895, 0.17) than the two listed: no listing factor
    assert {t.listing_factor for r in res.rows for t in r.terms} == {1.0}
    assert one.log10_lr == pytest.approx(math.log10(17.9 * beta_missing))
    assert two.log10_lr == pytest.approx(math.log10(17.0))
    # uniform prior 1/2: post-test odds = 1 x composite LR
    o1, o2 = 17.9 * beta_missing, 17.0
    assert one.post_test_probability == pytest.approx(o1 / (1 + o1))
    assert two.post_test_probability == pytest.approx(o2 / (1 + o2))
    assert [r.disease for r in res.rows] == ["MONDO:2", "MONDO:1"]
    assert all(r.notice == NOTICE == "research use; not for diagnosis" for r in res.rows)


def test_rows_hold_every_field_as_the_dataclasses_make_them() -> None:
    """Rows are made without the frozen dataclasses' ``__init__`` (``model._row``, ``model._frozen``):
    each holds every field in order and equals the instance ``__init__`` makes from the same values."""
    kb = _small_kb()
    res = rank(["HP:1000001", "HP:1000002"], absent=["HP:1000003"], kb=kb)
    seen = set()
    for r in res.rows:
        assert list(vars(r)) == [f.name for f in fields(RankedSubtype)] and RankedSubtype(**vars(r)) == r
        for t in r.terms:
            assert list(vars(t)) == [f.name for f in fields(TermLR)] and TermLR(**vars(t)) == t
            seen.add(t.annotation is None)
    assert seen == {True, False}


def test_the_memo_is_bounded_by_the_rows_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding's rows for all the candidates it touches are one memo entry that counts as many rows:
    the memo starts again once the count passes TERM_LR_MEMO."""
    kb = _small_kb()
    monkeypatch.setattr(model, "TERM_LR_MEMO", 4)
    rank(["HP:1000001", "HP:1000002"], kb=kb)
    rank(["HP:1000011", "HP:1000003"], absent=["HP:1000002"], kb=kb)
    size = kb.p_cache[("@size",)]
    held = sum(1 + len(v[1]) if k[0] == "@rows" else 1 for k, v in kb.p_cache.items() if k != ("@size",))
    assert 0 < held == size <= 4
    assert ("@rows", "HP:1000001", "observed", 2, 2) not in kb.p_cache  # the first query's rows went


def test_listing_factor_by_hand() -> None:
    """A profile that expects more features than were listed: each matched finding is scaled by n / E."""
    kb = _small_kb()
    big = Profile("MONDO:3", "three")
    for term, band, f in (("HP:1000001", "HP:0040281", 0.895), ("HP:1000002", "HP:0040282", 0.545),
                          ("HP:1000003", "HP:0040282", 0.545), ("HP:1000011", "HP:0040283", 0.17)):
        big.add(_ann(term, band, f))
    kb.profiles["MONDO:3"] = big
    assert big.expected_features() == pytest.approx(2.155)
    rows = {r.disease: r for r in rank(["HP:1000001"], kb=kb).rows}
    t = rows["MONDO:3"].terms[0]
    # P(alpha listed | three) = 0.895 x 1 / 2.155; background 50/1000
    assert t.listing_factor == pytest.approx(1 / 2.155)
    assert t.lr == pytest.approx(0.895 / 2.155 / 0.05) and "listing factor" in t.explanation
    assert rows["MONDO:1"].terms[0].lr == pytest.approx(17.9)  # E = 0.895 < 1 listed: unscaled
    assert [r.disease for r in rank(["HP:1000001"], kb=kb).rows][:2] == ["MONDO:1", "MONDO:3"]
    # two listed: factor 2 / 2.155, beta 0.545 x 2 / 2.155 / 0.01
    t2 = {r.disease: r for r in rank(["HP:1000001", "HP:1000002"], kb=kb).rows}["MONDO:3"].terms
    assert [x.lr for x in t2] == pytest.approx([0.895 * 2 / 2.155 / 0.05, 0.545 * 2 / 2.155 / 0.01])
    # LIRICAL's form (no listing factor) is kept for comparison
    plain = {r.disease: r for r in score(read_findings(["HP:1000001"], [], [], kb)[0], kb, listed=False)}
    assert plain["MONDO:3"].terms[0].lr == pytest.approx(17.9)
    # absent findings are not scaled: P(absent | three) = 1 - 0.895
    absent = {r.disease: r for r in rank(["HP:1000002"], absent=["HP:1000001"], kb=kb).rows}["MONDO:3"]
    assert absent.terms[1].lr == pytest.approx(0.105 / 0.95)
    # a frequency that drops below the floor is lifted to it
    low = Profile("MONDO:4", "four")
    low.add(_ann("HP:1000003", "HP:0040284", 0.025))
    kb.profiles["MONDO:4"] = low
    t4 = {r.disease: r for r in rank(["HP:1000003"], kb=kb).rows}["MONDO:4"].terms[0]
    # 0.025 / 0.1 = 0.25 is below the missing-finding LR of gamma (background 0.1 >= 0.05: 1)
    assert t4.lr == pytest.approx(1.0) and t4.match == "exact" and "below the floor" in t4.explanation
    t4 = {r.disease: r for r in rank(["HP:1000011"], kb=kb).rows}["MONDO:4"].terms[0]
    assert t4.lr == pytest.approx(math.sqrt(0.005 / 0.05)) and t4.match == "no-annotation"


def test_ontology_structure_by_hand() -> None:
    kb = _small_kb()
    one = rank(["HP:1000011"], kb=kb).rows[0]  # alpha one, below the annotated alpha
    assert one.disease == "MONDO:1"
    # f(alpha) x bg(alpha one) / bg(alpha) / bg(alpha one) = 0.895 / 0.05
    assert one.terms[0].lr == pytest.approx(17.9) and one.terms[0].match == "annotated-more-general"
    root = {r.disease: r for r in rank(["HP:0000118"], kb=kb).rows}["MONDO:1"]
    assert root.terms[0].match == "annotated-more-specific"
    # background capped below 1: 0.895 / 0.999 < 1, lifted to the missing-finding LR of the root (1)
    assert root.terms[0].lr == pytest.approx(1.0)
    # gamma is annotated NOT for two
    two = {r.disease: r for r in rank(["HP:1000003"], kb=kb).rows}["MONDO:2"]
    assert two.terms[0].match == "excluded" and two.terms[0].lr == pytest.approx(EXCLUDED_LR)


def test_absent_by_hand() -> None:
    kb = _small_kb()
    rows = {r.disease: r for r in rank(absent=["HP:1000001"], kb=kb).rows}
    # P(absent | one) = 1 - 0.895; P(absent | not one) = 1 - 0.05
    assert rows["MONDO:1"].terms[0].lr == pytest.approx(0.105 / 0.95)
    assert rows["MONDO:2"].terms[0].lr == pytest.approx(1 / 0.95)
    assert rows["MONDO:2"].rank == 1


def test_obsolete_and_alternative_ids_by_hand() -> None:
    kb = _small_kb()
    with pytest.raises(TermError, match=r"HP:1000099 .*obsolete.*no replacement"):
        resolve("HP:1000099", kb)
    term, note = resolve("HP:1000098", kb)
    assert term == "HP:1000002" and note and "replaced by HP:1000002" in note
    assert resolve("bravo", kb)[0] == "HP:1000002"
    assert resolve("http://purl.obolibrary.org/obo/HP_1000001", kb) == ("HP:1000001", None)


# --- the real profiles ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    """The IIM candidates only (the look-alikes have tests of their own): the properties below are
    about the IIM profiles, and checking them over 477 candidates would only make them slow."""
    return knowledge(lookalikes=False)


def test_candidates_are_iim_classes_with_curated_annotations(kb: Knowledge, core_ids: set[str]) -> None:
    import iimgraph

    assert len(kb.profiles) >= 5
    assert all(p.is_iim for p in kb.profiles.values())
    for d, prof in kb.profiles.items():
        assert d in core_ids and d != "MONDO:0600023"
        own = [a for a in prof.annotations if a.inherited_from is None and a.kind == "phenotype" and not a.negated]
        assert own or prof.profile_of in kb.profiles, d  # a derived candidate rests on its parent's profile
        rows = iimgraph.run_query("phenotypes", {"disease": d})
        # phenotypes gives one row per phenotype, its associations aggregated (a TermList of IRIs)
        # every own entry is a graph claim, or a finding the class's definition names (definition_features.tsv)
        assert {iri.curie for r in rows for iri in r["association"].items} >= {
            a.claim for a in own if not a.claim.startswith("rank/data/definition_features.tsv:")}
    for ns in kb.not_scorable:
        assert ns.disease not in kb.profiles
        assert not iimgraph.run_query("phenotypes", {"disease": ns.disease}), ns


def test_text_mined_left_out_by_default(kb: Knowledge) -> None:
    claims = {a.claim for p in kb.profiles.values() for a in p.annotations}
    assert claims and not any(c.endswith("-ITM") for c in claims)
    mined = knowledge(include_text_mined=True)
    assert any(a.claim.endswith("-ITM") for p in mined.profiles.values() for a in p.annotations)


def test_autoantibody_link_gives_its_likelihood_ratio(kb: Knowledge, reference_dir) -> None:
    """Anti-Jo-1 (HP:0034152) for antisynthetase syndrome, by hand from the reference count."""
    counts = {r["hpo_id"]: int(r["n_diseases_annotated_incl_descendants"])
              for r in read_tsv(reference_dir / "hpo2025_terms.tsv")}
    res = rank(["anti-Jo-1 antibody positivity"], kb=kb)
    top = res.rows[0]
    assert top.disease == "MONDO:0019344"
    t = top.terms[0]
    assert t.term == "HP:0034152" and t.match == "exact" and t.sources and t.claim
    # one finding listed of the E features antisynthetase syndrome's patients are expected to have
    assert t.listing_factor == pytest.approx(1 / kb.profiles["MONDO:0019344"].expected_features())
    assert t.lr == pytest.approx(t.frequency * t.listing_factor / (max(counts["HP:0034152"], 0.5) / 12680))
    assert t.annotation_kind == "autoantibody"
    # the graph states a prevalence (dismech, PMID:28339994: "73.4% ... positive for anti-Jo1"), used as f
    assert t.frequency == pytest.approx(0.734) and "PMID:28339994" in t.explanation


def _frequent_terms(prof: Profile) -> list[str]:
    return sorted((a.term for a in prof.positive.values() if a.inherited_from in (None, prof.profile_of)),
                  key=lambda t: (-prof.positive[t].frequency, t))


def test_adding_a_frequent_term_never_lowers_the_rank(kb: Knowledge) -> None:
    checked = 0
    for d, prof in kb.profiles.items():
        terms = _frequent_terms(prof)
        for base_size in (1, 2):
            base = terms[:base_size]
            for extra in terms[base_size:base_size + 6]:
                findings = read_findings([*base, extra], [], [], kb)[0]
                rows_before = score(read_findings(base, [], [], kb)[0], kb)
                rows_after = score(findings, kb)
                old = {r.disease: r.log10_lr for r in rows_before}
                gain = {r.disease: r.log10_lr - old[r.disease] for r in rows_after}
                if gain[d] < max(gain.values()) - 1e-9:
                    # another subtype gains more from the longer list (the term more frequently, or a
                    # listing factor that grows with the list): it may rightly overtake
                    continue
                before = {r.disease: r.rank for r in rows_before}[d]
                after = {r.disease: r.rank for r in rows_after}[d]
                assert after <= before, (d, base, extra)
                checked += 1
    assert checked >= 10


def test_absent_findings_lower_the_subtypes_that_have_them(kb: Knowledge) -> None:
    for d, prof in kb.profiles.items():
        term = _frequent_terms(prof)[0]
        # observed findings that do not imply the absent one (that would be a contradiction)
        others = [t for t in _frequent_terms(prof)[1:] if term not in kb.ancestors(t)][:2]
        base = {r.disease: r for r in rank(others or ["HP:0001324"], kb=kb).rows}
        with_absent = {r.disease: r for r in rank(others or ["HP:0001324"], absent=[term], kb=kb).rows}
        assert with_absent[d].post_test_probability < base[d].post_test_probability, d
        assert with_absent[d].terms[-1].lr < 1
        for row in with_absent.values():
            t = row.terms[-1]
            if t.match == "no-annotation":
                assert t.lr >= 1  # a subtype that never shows the feature is not penalised


def test_onset_is_scored_and_checked(kb: Knowledge) -> None:
    res = rank(["HP:0003701"], onset=["HP:0003621"])
    assert all(r.terms[-1].status == "onset" for r in res.rows)
    assert {r.terms[-1].match for r in res.rows} <= {"onset-compatible", "onset-incompatible", "no-onset-record"}
    with pytest.raises(TermError, match=r"HP:0003701 .* not an onset term"):
        rank(["HP:0001324"], onset=["HP:0003701"])
    routed = rank(["HP:0001324", "HP:0003621"])
    assert routed.findings[-1].status == "onset" and any("onset term" in n for n in routed.notes)


def test_bad_findings_name_the_term(kb: Knowledge) -> None:
    with pytest.raises(TermError, match="unknown HPO term HP:9999999"):
        rank(["HP:9999999"])
    with pytest.raises(TermError, match=r"'muscle weak' is ambiguous: .*HP:0001324 \(Muscle weakness\)") as err:
        rank(["muscle weak"])
    assert ("HP:0001324", "Muscle weakness") in err.value.candidates
    with pytest.raises(TermError, match=r"MONDO:0016367.* not an HPO term"):
        rank(["MONDO:0016367"])
    with pytest.raises(TermError, match="both observed and absent"):
        rank(["HP:0001324"], absent=["HP:0001324"])
    # a report can say "ANA negative" and "anti-Ro positive" (the screening test misses it), though HPO
    # places anti-Ro under ANA positivity: scored as given, and said (a published case, iim-093)
    both = rank(["HP:0033555"], absent=["HP:0003493"])
    assert any("HP:0033555" in n and "HP:0003493" in n and "both scored as given" in n for n in both.notes)
    assert {t.status for t in both.rows[0].terms} == {"observed", "absent"}
    with pytest.raises(TermError, match="no findings"):
        rank([])


def test_alternative_ids_come_from_the_graph(kb: Knowledge) -> None:
    """Every oboInOwl:hasAlternativeId the graph states of an HP term is read as that term."""
    import iimgraph

    rows = iimgraph.run_sparql(
        "PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> "
        "SELECT ?t ?alt WHERE { ?t oboInOwl:hasAlternativeId ?alt "
        "FILTER(STRSTARTS(STR(?t), 'http://purl.obolibrary.org/obo/HP_')) }", timeout=None)
    assert len(rows) > 50
    for r in rows:
        current = str(r["t"]).rsplit("/", 1)[-1].replace("_", ":")
        assert kb.replaced_by[str(r["alt"])] == current


def test_alternative_id_is_replaced_and_said_on_stderr(kb: Knowledge) -> None:
    import iimgraph

    row = iimgraph.run_sparql(
        "PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> "
        "SELECT ?alt WHERE { <http://purl.obolibrary.org/obo/HP_0003701> oboInOwl:hasAlternativeId ?alt } "
        "ORDER BY ?alt LIMIT 1", timeout=None)
    alt = str(row[0]["alt"])
    result = invoke("rank", alt, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert f"{alt} is obsolete or an alternative id" in result.stderr and "replaced by HP:0003701" in result.stderr
    data = json.loads(result.stdout)
    assert data["findings"][0] == {"term": "HP:0003701", "given": alt, "status": "observed", "low": None, "high": None}
    assert {t["term"] for r in data["results"] for t in r["terms"]} == {"HP:0003701"}


@pytest.mark.parametrize("args, message", [
    (["HP:9999999"], "unknown HPO term HP:9999999"),
    (["muscle weak"], "'muscle weak' is ambiguous"),
    (["HP:0001324", "--onset", "HP:0001324"], "not an onset term"),
    (["HP:0001324", "--prior", "MONDO:0000001=0.5"], "not a candidate subtype"),
    ([], "no findings"),
])
def test_cli_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = invoke("rank", *args)
    assert result.returncode == 2 and not result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_cli_formats() -> None:
    args = ["rank", "HP:0003701", "HP:0034152", "--absent", "HP:0000988", "--top", "3"]
    table = invoke(*args)
    assert table.returncode == 0 and "1. antisynthetase syndrome (MONDO:0019344, IIM)" in table.stdout
    assert NOTICE in table.stdout
    tsv = invoke(*args, "--format", "tsv").stdout.splitlines()
    assert tsv[0].startswith("rank\tdisease") and len(tsv) == 1 + 3 * 3
    assert all(line.endswith(NOTICE) for line in tsv[1:])
    data = json.loads(invoke(*args, "--format", "json").stdout)
    assert next(r["rank"] for r in data["results"]) == 1 and len(data["results"]) == 3
    assert data["results"][0]["terms"][1]["sources"]


def test_python_api_reexport() -> None:
    import iimgraph

    res = iimgraph.rank(["HP:0034152"], absent=["HP:0000988"], top=2)
    assert len(res.rows) == 2 and res.rows[0].disease == "MONDO:0019344"


def test_serve_rank_route_returns_json() -> None:
    import threading

    from iimgraph.web.serve import make_server

    server = make_server(quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with urllib.request.urlopen(f"{base}/rank?hpo=HP:0034152&hpo=HP:0003701&absent=HP:0000988&top=2") as resp:
            assert resp.headers["Content-Type"].startswith("application/json")
            data = json.loads(resp.read())
        assert data["results"][0]["disease"] == "MONDO:0019344" and len(data["results"]) == 2
        assert data["results"][0]["notice"] == NOTICE
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{base}/rank?hpo=HP:9999999")
        assert err.value.code == 400
        assert "unknown HPO term HP:9999999" in json.loads(err.value.read())["error"]
        with urllib.request.urlopen(f"{base}/rank.html") as resp:
            assert resp.headers["Content-Type"].startswith("text/html") and b'id="rank-form"' in resp.read()
    finally:
        server.shutdown()
        server.server_close()


def test_background_uses_the_reference_counts(kb: Knowledge, reference_dir) -> None:
    rows = {r["hpo_id"]: r for r in read_tsv(reference_dir / "hpo2025_terms.tsv")}
    assert background("HP:0001324", kb) == pytest.approx(
        int(rows["HP:0001324"]["n_diseases_annotated_incl_descendants"]) / 12680)


def test_site_has_the_rank_form() -> None:
    from iimgraph.web.pages import rank_page

    html = rank_page(version="test")
    assert '<form id="rank-form"' in html and 'name="hpo"' in html and NOTICE in html
    assert "assets/rank.js" in html
