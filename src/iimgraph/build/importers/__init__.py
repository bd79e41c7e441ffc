"""Importers: reference tables (``reference/``) -> generated sources under ``ontology/generated/``."""
