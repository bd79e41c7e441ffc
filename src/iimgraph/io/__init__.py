"""Every read of a user's bytes: bounded, offline, one-line errors (rdf.py, jsonld.py, sssom.py)."""
