"""The ``anakinra`` command line."""
