"""Importers: regenerate ``ontology/generated/`` from the packaged ``reference/`` tables.

``python -m iimgraph.build.importers [--out-dir DIR]`` writes every generated file; :func:`generate`
returns them as ``{file name: text}`` without writing. The curated sources (``ontology/`` outside
``generated/``) are read only to learn which HPO terms they use.
"""

from __future__ import annotations

from pathlib import Path

from iimgraph.build.importers import dismech, hpo_terms, hpoa, maxo, orphadata, translations
from iimgraph.build.importers.common import ReferenceGapError

GENERATED_DIR = "generated"
__all__ = ["GENERATED_DIR", "ReferenceGapError", "generate", "write"]


def generate(reference: Path | None = None, ontology: Path | None = None) -> tuple[dict[str, str], dict[str, int]]:
    """Every generated file as text, and the counts the importers report."""
    from iimgraph.resources import ontology_dir, reference_dir

    reference = Path(reference or reference_dir())
    ontology = Path(ontology or ontology_dir())
    annotations, sources, counts = hpoa.build(reference)
    dismech_ttl, dismech_counts = dismech.build(reference)
    counts.update({f"dismech_{k}": v for k, v in dismech_counts.items()})
    orphadata_ttl, orphadata_counts = orphadata.build(reference)
    counts.update({f"orphadata_{k}": v for k, v in orphadata_counts.items()})
    maxo_ttl, maxo_counts = maxo.build(reference)
    counts.update({f"maxo_{k}": v for k, v in maxo_counts.items()})
    curated = [p.read_text(encoding="utf-8") for p in sorted(ontology.rglob("*.ttl"), key=lambda p: p.as_posix())
               if GENERATED_DIR not in p.relative_to(ontology).parts[:1]]
    texts = [*curated, annotations, dismech_ttl, orphadata_ttl]  # what names the HPO terms the graph uses
    translations_ttl, translation_counts = translations.build(reference, hpo_terms.used_terms(texts))
    counts.update({f"translations_{k}": v for k, v in translation_counts.items()})
    terms, term_counts = hpo_terms.build(reference, texts)
    counts.update({f"terms_{k}": v for k, v in term_counts.items()})
    return {"hpo_annotations.ttl": annotations, "annotation_sources.ttl": sources, "hpo_terms.ttl": terms,
            "dismech.ttl": dismech_ttl, "orphadata.ttl": orphadata_ttl,
            "maxo_diagnostic.ttl": maxo_ttl, "hpo_translations.ttl": translations_ttl}, counts


def write(out_dir: Path, reference: Path | None = None, ontology: Path | None = None) -> dict[str, int]:
    from iimgraph.atomic import write_text_atomic

    files, counts = generate(reference, ontology)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files.items()):
        write_text_atomic(out_dir / name, text)
    return counts
