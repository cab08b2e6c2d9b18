"""The command-line layer: parses options, calls the core, prints what comes back."""
