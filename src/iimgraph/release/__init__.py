"""The release stage: serialisations, the release folder, semantic diff, publishing to an endpoint."""
