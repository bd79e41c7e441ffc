"""The package version, in one place (hatch reads it for the wheel; the release's versionIRI is stamped from it)."""

__version__ = "0.1.0"
