"""HPO label translations (``reference/hpo_translations_iim.tsv``) -> ``hpo_translations.ttl``.

For the HPO terms the graph uses (the IIM annotations, the myositis antibody list, and every term a curated
or generated claim names: ``used``, as :mod:`hpo_terms` finds them; not their ancestors), each translated label as a
language-tagged literal: ``iim:translation`` where HPO marks it OFFICIAL, ``iim:candidateTranslation``
where it is a CANDIDATE (mostly machine translations, DeepL): a candidate is never given as an official
label, and neither is ever ``rdfs:label`` (the English label stays the one label). A translation of an
English text that is no longer the term's 2025-01-16 label (``source_value_equals_hpo2025_label`` = no)
may be stale and is left out. Definitions are left out. Whitespace around a value (one French label has it) is trimmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from iimgraph.build.importers.common import HEADER, HP_CURIE, PREFIXES, ReferenceGapError, lit, obo, read_tsv

TABLE = "hpo_translations_iim.tsv"
STATUS = {"OFFICIAL": "iim:translation", "CANDIDATE": "iim:candidateTranslation"}


def build(reference: Path, used: Iterable[str] = ()) -> tuple[str, dict[str, int]]:
    """(hpo_translations.ttl, counts); ``used``: further HPO CURIEs the graph names."""
    wanted = {r["hpo_id"] for r in read_tsv(reference / "hpo2025_iim_annotations.tsv")}
    wanted |= {r["hpo_id"] for r in read_tsv(reference / "hpo_myositis_autoantibody_terms.tsv")}
    wanted |= set(used)
    values: dict[str, set[str]] = {}
    counts = {"official": 0, "candidate": 0, "stale_left_out": 0}
    for n, row in enumerate(read_tsv(reference / TABLE), 2):
        hp, lang = row["hpo_id"].strip(), row["translation_language"].strip()
        if hp not in wanted or row["predicate_id"].strip() != "rdfs:label":
            continue
        if not HP_CURIE.fullmatch(hp) or not re.fullmatch(r"[a-z]{2,3}", lang) or row["translation_status"] not in STATUS:
            raise ReferenceGapError(f"{TABLE}:{n}: unexpected row {hp!r} {lang!r} {row['translation_status']!r}")
        if row["source_value_equals_hpo2025_label"].strip() == "no":
            counts["stale_left_out"] += 1
            continue
        value = lit(row["translation_value"].strip())
        values.setdefault(obo(hp), set()).add(f"{STATUS[row['translation_status']]} {value}@{lang}")
        counts["official" if row["translation_status"] == "OFFICIAL" else "candidate"] += 1
    blocks = [f"{term} " + " ;\n    ".join(sorted(v)) + " ." for term, v in sorted(values.items())]
    header = (HEADER + "# HPO label translations (HPO's babelon files at af70204) of the HPO terms the graph uses:\n"
              "# iim:translation = OFFICIAL, iim:candidateTranslation = CANDIDATE (machine; never shown as official).\n")
    return header + PREFIXES + "\n" + "\n\n".join(blocks) + "\n", counts
