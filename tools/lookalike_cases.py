"""Convert phenopacket-store cohorts into look-alike cases of the rank benchmark
(``benchmarks/real_cases/lookalike_cases.jsonl``; schema in that folder's README).

Field by field, data only: the phenopacket's id, PMID and title, its disease and causative genes, sex,
disease onset and age at last encounter; observed features are ``present``, excluded ones ``absent``.
Each HPO id is read against HPO 2025-01-16 (the release of the reference tables and of the model): a
term of the reference tables keeps its id with that release's label (the phenopacket's label in
``text``); an alternative id is replaced by its term; a current HPO 2025-01-16 term outside the
reference tables goes to ``outside_reference_tables``; a term HPO 2025-01-16 does not have (added
later, or obsolete without a replacement) goes to ``not_in_hpo_2025_01_16`` and is not a finding.

    python tools/lookalike_cases.py PHENOPACKET_STORE_CHECKOUT COMMIT COHORT... > cases.jsonl
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "monarch-initiative/phenopacket-store"
_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?$")


def years(duration: str | None) -> float | None:
    """An ISO 8601 age (``P1Y8M``) in years, to two decimals; None if there is none."""
    m = _DURATION.match(duration or "")
    if not duration or not m or not any(m.groups()):
        return None
    y, mo, w, d = (float(g) if g else 0.0 for g in m.groups())
    return round(y + mo / 12 + w / 52.1775 + d / 365.25, 2)


def _age(element: dict[str, Any] | None) -> float | None:
    return years(((element or {}).get("age") or {}).get("iso8601duration"))


def reference_terms() -> dict[str, tuple[str, str]]:
    """HPO id -> (current id, HPO 2025-01-16 label) for the reference tables' terms and their alt ids."""
    out: dict[str, tuple[str, str]] = {}
    for name in ("hpo2025_terms.tsv", "hpo2025_lookalike_terms.tsv"):
        with open(ROOT / "reference" / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                out[row["hpo_id"]] = (row["hpo_id"], row["label"])
                for alt in filter(None, row["alt_ids"].split("|")):
                    out.setdefault(alt, (row["hpo_id"], row["label"]))
    return out


def hpo_release_terms() -> dict[str, tuple[str, str]]:
    """HPO id -> (current id, label) for every term of HPO 2025-01-16, an alternative or obsolete id
    to its replacement, from the HPO table the ranking ships (``rank/data/hpo_terms.tsv.gz``,
    generated from that release)."""
    from iimgraph.rank.profiles import hpo_table

    hpo = hpo_table()
    out: dict[str, tuple[str, str]] = {}
    for tid, label in hpo.labels.items():
        if tid not in hpo.replaced_by:
            out[tid] = (tid, label)
    for old, new in hpo.replaced_by.items():
        if new is not None and new in out:
            out.setdefault(old, out[new])
    return out


def convert(packet: dict[str, Any], path: str, commit: str, cohort: str,
            ref: dict[str, tuple[str, str]], release: dict[str, tuple[str, str]]) -> dict[str, Any]:
    subject = packet.get("subject") or {}
    pmid, title = "", ""
    for ext in (packet.get("metaData") or {}).get("externalReferences") or []:
        if str(ext.get("id", "")).startswith("PMID:"):
            pmid, title = ext["id"].split(":", 1)[1], ext.get("description", "")
            break
    disease = ((packet.get("diseases") or [{}])[0]).get("term") or {}
    genes = sorted({gi["variantInterpretation"]["variationDescriptor"]["geneContext"]["symbol"]
                    for interp in packet.get("interpretations") or []
                    for gi in (interp.get("diagnosis") or {}).get("genomicInterpretations") or []
                    if ((gi.get("variantInterpretation") or {}).get("variationDescriptor") or {}).get("geneContext")})
    onset = _age(((packet.get("diseases") or [{}])[0]).get("onset"))
    present: list[dict[str, Any]] = []
    absent: list[dict[str, Any]] = []
    outside: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    seen: set[tuple[str, bool]] = set()
    for feature in packet.get("phenotypicFeatures") or []:
        hid, text = feature["type"]["id"], feature["type"].get("label", "")
        excluded = bool(feature.get("excluded"))
        if hid in ref:
            cur, label = ref[hid]
            if (cur, excluded) not in seen:
                seen.add((cur, excluded))
                (absent if excluded else present).append({"id": cur, "label": label, "text": text})
        elif hid in release:
            cur, label = release[hid]
            if (cur, excluded) not in seen:
                seen.add((cur, excluded))
                outside.append({"id": cur, "label": label or text, "excluded": excluded, "in_hpo_2025_01_16": True})
        else:
            missing.append({"id": hid, "text": text, "excluded": excluded})
    present_ids = {f["id"] for f in present}
    absent = [f for f in absent if f["id"] not in present_ids]  # observed at one visit wins
    case: dict[str, Any] = {
        "id": packet["id"], "cohort": cohort,
        "source": {"repository": REPOSITORY, "commit": commit, "path": path, "licence": "BSD-3-Clause"},
        "citation": {"pmid": pmid, "title": title},
        "diagnosis": {"id": disease.get("id"), "label": disease.get("label"), "iim": False, "genes": genes},
        "age_years": onset, "age_context": "disease onset in the phenopacket" if onset is not None else None,
        "age_at_last_encounter_years": _age(subject.get("timeAtLastEncounter")),
        "sex": {"FEMALE": "female", "MALE": "male"}.get(subject.get("sex", "")),
        "present": present, "absent": absent, "outside_reference_tables": outside,
    }
    if missing:
        case["not_in_hpo_2025_01_16"] = missing
    return case


def cases(checkout: Path, commit: str, cohorts: list[str]) -> Iterator[dict[str, Any]]:
    ref, release = reference_terms(), hpo_release_terms()
    for cohort in cohorts:
        for file in sorted((checkout / "notebooks" / cohort / "phenopackets").glob("*.json")):
            packet = json.loads(file.read_text(encoding="utf-8"))
            yield convert(packet, str(file.relative_to(checkout)), commit, cohort, ref, release)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    for case in cases(Path(argv[0]), argv[1], argv[2:]):
        print(json.dumps(case, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
