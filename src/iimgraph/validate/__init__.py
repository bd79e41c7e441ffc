"""The validation stage: SHACL shapes, QC rules, identifiers, OWL reasoning, reports."""
