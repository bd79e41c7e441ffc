"""The query stage: the catalogue, parameter binding, engines, the on-disk store, workers, results."""
