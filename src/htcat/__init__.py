"""htcat: a catalog manager for a public resource library on human trafficking."""

__version__ = "0.3.0"
"""Raised with every release that ships, and its minor number with the catalog's schema
(`htcat.store.image.SCHEMA_VERSION`), so that an old and a new htcat never say the same."""
