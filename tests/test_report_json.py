"""The validate report's JSON writer: the text ``json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)``
gives, written faster for the report's many findings (each flat finding by the standard library's C encoder)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from iimgraph.validate.report import Finding, ValidationReport, indented_json

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.floats(allow_nan=False))
_flat = st.dictionaries(st.text(max_size=8), _scalars, max_size=6)
_term = st.dictionaries(st.text(max_size=8), st.one_of(_scalars, st.lists(_flat, max_size=3)), max_size=4)
_doc = st.fixed_dictionaries({"terms": st.lists(_term, max_size=4)},
                             optional={"counts": st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
                                       "sources": st.lists(st.text(max_size=5), max_size=2),
                                       "a": st.dictionaries(st.text(max_size=3), _scalars, max_size=2)})


def _standard(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(_doc)
def test_same_text_as_json_dumps(doc: dict) -> None:
    assert indented_json(doc) == _standard(doc)


def test_same_text_on_edge_cases() -> None:
    docs = [
        {"terms": []},
        {"terms": [{}]},
        {"terms": [{"findings": []}]},
        {"terms": [{"t": 1.5, "u": True, "v": None}]},
        {"zeta": 1, "terms": [{"t": "x"}]},  # a key after "terms": left to json.dumps
        {"terms": [{"findings": [{"message": 'quote " backslash \\ nul \x00 \u202e é 🙂', "line": 3}], "label": None}]},
        {"b": {"c": [1, {"d": []}]}, "terms": [{"term": "A", "findings": [{"x": 1}, {"y": [1]}]}]},
    ]
    for doc in docs:
        assert indented_json(doc) == _standard(doc)


def test_report_json_is_the_standard_text() -> None:
    findings = [Finding("ERROR", "unknown_identifier", f"HP:900000{i}", f"HP:900000{i} is not known \u202e \"x\"",
                        None, None, "a label" if i % 2 else None, "f.ttl", i + 1) for i in range(5)]
    findings.append(Finding("WARN", "missing_definition", "MONDO:1", "no definition", "IAO:0000115", None))
    report = ValidationReport(findings=findings, sources=["f.ttl"], reasoning={"status": "not run", "unsatisfiable": []})
    text = report.to_json()
    doc = json.loads(text)
    from iimgraph.escape import escape

    assert text == escape(_standard(doc), json=True) + "\n"
