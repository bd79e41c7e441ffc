"""The web stage: the read-only SPARQL endpoint, term pages with content negotiation, the static site."""
