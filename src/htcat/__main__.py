"""Allows ``python -m htcat``."""

from htcat.cli.app import main

main()
