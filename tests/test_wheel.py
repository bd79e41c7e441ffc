"""The built wheel carries its data and works from outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.cli import CLI

from .conftest import ROOT


def test_installed_wheel_works_outside_the_repository(tmp_path: Path):
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheel_dir), str(ROOT)], check=True, timeout=300)
    wheel = next(wheel_dir.glob("iimgraph-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("ontology", "shapes", "queries", "reference"):
        assert any(n.startswith(f"iimgraph/data/{folder}/") for n in names), folder
    for asset in ("site.css", "queries.js", "lang.js"):  # the generated site's assets (resources.site_assets_dir)
        assert f"iimgraph/web/assets/{asset}" in names, asset
    assert "iimgraph/release/cc-by-4.0.txt" in names  # the legal code a release's LICENSE carries
    for table in ("hpo_terms.tsv.gz", "onset_ages.tsv", "equivalences.tsv", "derived_candidates.tsv"):
        assert f"iimgraph/rank/data/{table}" in names, table  # the ranking's data (resources.rank_data_dir)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # the wheel's copy comes first on the path, ahead of the editable checkout
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import iimgraph, iimgraph.resources as r; "
        f"assert iimgraph.__file__.startswith({str(target)!r}), iimgraph.__file__; "
        f"assert str(r.data_root()).startswith({str(target)!r}), r.data_root(); "
        "g = iimgraph.load_graph(); print(len(g))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 3000
    cli = subprocess.run([*CLI, "info"], cwd=elsewhere,
                         env=env, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert "classes: 29" in cli.stdout
