"""Reading the package's YAML data files.

PyYAML's C parser (libyaml, in the PyYAML wheels) reads the same documents as its pure-Python
safe loader about ten times faster; the protocols, models and score definitions a short command
loads are most of its start-up otherwise. Without libyaml the pure-Python safe loader is used.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["read_yaml"]

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Any:
    """The document in ``text``, read as :func:`yaml.safe_load` reads it.

    Raises
    ------
    yaml.YAMLError
        The text is not valid YAML.
    """
    return yaml.load(text, Loader=_LOADER)
