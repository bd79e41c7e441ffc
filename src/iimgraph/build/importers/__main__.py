"""python -m iimgraph.build.importers [--out-dir DIR] [--reference DIR] [--ontology DIR]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iimgraph.build.importers import GENERATED_DIR, ReferenceGapError, write


def main(argv: list[str] | None = None) -> int:
    from iimgraph.resources import ontology_dir

    ap = argparse.ArgumentParser(prog="python -m iimgraph.build.importers",
                                 description="Regenerate ontology/generated/ from the packaged reference tables.")
    ap.add_argument("--out-dir", type=Path, default=None, help="default: ontology/generated/")
    ap.add_argument("--reference", type=Path, default=None, help="default: the packaged reference/")
    ap.add_argument("--ontology", type=Path, default=None, help="curated sources to scan for HPO terms (default: ontology/)")
    args = ap.parse_args(argv)
    out = args.out_dir or (args.ontology or ontology_dir()) / GENERATED_DIR
    try:
        counts = write(out, args.reference, args.ontology)
    except ReferenceGapError as exc:
        print(f"importers: {exc}", file=sys.stderr)
        return 2
    print("importers: " + ", ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
