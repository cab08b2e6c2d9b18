"""htcat: a catalog manager for a public resource library on human trafficking."""

__version__ = "0.1.0"
