"""anakinra-iv: decision support for continuous intravenous anakinra in cytokine storm.

Intended use: decision support for qualified clinicians (prescriber, pharmacist, nurse). IV
anakinra is off-label; every protocol value shipped here is a template that an institution must
review and approve before use.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
