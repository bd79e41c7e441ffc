"""The field's own tools, as the tests run them: the OWL API (Debian ``libowlapi-java``) through a
few lines of Java, with a clear skip reason where a tool is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
#: the OWL API distribution jar and the jars of the Debian packages it depends on
OWLAPI_JARS = ["owlapi-distribution", "guava", "caffeine", "commons-io", "commons-codec", "commons-rdf-api",
               "slf4j-api", "slf4j-nop", "atinject-jsr330-api", "jsr305", "hppcrt", "jackson-core",
               "jackson-databind", "jackson-annotations", "xz"]
PROFILE_CHECK = Path(__file__).parent / "tools" / "OwlDlProfile.java"


def owlapi_classpath() -> str | None:
    """The class path of Debian's OWL API and its dependencies, or None when they are not installed."""
    if shutil.which("java") is None:
        return None
    jars = [JAVA_DIR / f"{name}.jar" for name in OWLAPI_JARS]
    if not all(j.exists() for j in jars):
        return None
    jars += sorted(JAVA_DIR.glob("rdf4j-*.jar"))  # the RDF parsers the OWL API's Rio bridge loads
    return ":".join(str(j) for j in jars if not j.stem[-1].isdigit())


def owl2_dl_violations(*files: Path, classpath: str) -> dict[str, list[str]]:
    """The OWL API's OWL 2 DL profile violations of each file (empty lists: in the profile)."""
    proc = subprocess.run(["java", "-Xmx2g", "-cp", classpath, str(PROFILE_CHECK), *map(str, files)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1):
        raise AssertionError(f"the OWL API could not load the products (exit {proc.returncode}): "
                             f"{proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    found: dict[str, list[str]] = {str(f): [] for f in files}
    counted: dict[str, int] = {}
    for line in proc.stdout.splitlines():
        name, _, rest = line.partition("\t")
        if rest.startswith("violations\t"):
            counted[name] = int(rest.split("\t")[1])
        elif not rest.startswith("axioms\t"):
            found[name].append(rest)
    assert counted.keys() == found.keys(), proc.stdout[-2000:]
    assert all(counted[n] == len(found[n]) for n in found)
    return found
