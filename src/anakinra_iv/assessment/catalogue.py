"""The curated catalogue of observations: LOINC code, short name, units, molar mass, plausibility.

The catalogue is data (``data/analytes.yaml``), loaded once and validated: every LOINC code is
written out (never inferred), every molar mass and plausibility range carries a status and a
source. Look an analyte up by short name, alias or LOINC code.

Examples
--------
>>> get_analyte("2276-4").name
'ferritin'
>>> get_analyte("haemoglobin").unit
'g/dL'
>>> [a.name for a in get_marker_group("soluble_cd25")]
['soluble_cd25', 'soluble_cd25_mass']
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from anakinra_iv.errors import ProtocolError, UnknownItem
from anakinra_iv.units import Q_, Quantity, ucum_to_pint
from anakinra_iv.yaml_text import read_yaml

__all__ = [
    "Analyte",
    "Catalogue",
    "MolarMass",
    "PlausibleRange",
    "Provenance",
    "Status",
    "get_analyte",
    "get_catalogue",
    "get_marker_group",
    "is_flag",
    "read_catalogue",
    "split_annotation",
]

Status = Literal["published", "precedent", "regulatory", "derived", "site-decision"]
"""How a value is known (see the reference README): the same statuses as protocol files."""


class Provenance(BaseModel):
    """The status of a catalogue or score value and its evidence-registry source key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    source: str = Field(min_length=1)
    note: str = ""


_ANNOTATION = re.compile(r"\{([^}]*)\}")


def split_annotation(unit: str) -> tuple[str, str | None]:
    """Split a UCUM unit into the unit proper and its annotation (``ug/mL{FEU}``).

    >>> split_annotation("ug/mL{FEU}")
    ('ug/mL', 'FEU')
    >>> split_annotation("10*9/L")
    ('10*9/L', None)
    """
    found = _ANNOTATION.search(unit)
    bare = _ANNOTATION.sub("", unit).strip()
    return bare, (found.group(1).strip() if found else None)


class MolarMass(Provenance):
    """The molar mass bridging substance (mmol/L) and mass (mg/dL) concentrations."""

    value: float = Field(gt=0)
    unit: str

    @property
    def quantity(self) -> Quantity:
        """The molar mass as a quantity."""
        return Q_(self.value, self.unit)


class PlausibleRange(Provenance):
    """Values outside ``low``-``high`` (in ``unit``, both ends included) are refused."""

    low: float
    high: float
    unit: str
    positive: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> PlausibleRange:
        if self.low < 0 or self.high <= self.low:
            raise ValueError(f"plausible range {self.low}-{self.high} {self.unit} is not ordered")
        return self


class Analyte(BaseModel):
    """One catalogue entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    display: str
    aliases: tuple[str, ...] = ()
    marker: str = ""
    annotation: str | None = None
    loinc: str | None = Field(pattern=r"^\d{1,7}-\d$")
    other_loinc: tuple[str, ...] = ()
    loinc_note: str = ""
    local_code: str | None = None
    whole_numbers: bool = False
    unit: str
    accepted_units: tuple[str, ...] = Field(min_length=1)
    molar_mass: MolarMass | None = None
    plausible: PlausibleRange

    @model_validator(mode="after")
    def _consistent(self) -> Analyte:
        if self.loinc is None and not self.loinc_note:
            raise ValueError(f"analyte '{self.name}' has no LOINC code and no note saying why")
        if self.unit not in self.accepted_units:
            raise ValueError(f"analyte '{self.name}': unit {self.unit} is not in accepted_units")
        return self

    @property
    def group(self) -> str:
        """The marker this analyte measures (its own name unless it shares a marker)."""
        return self.marker or self.name

    @property
    def pint_unit(self) -> str:
        """The canonical unit as a pint expression (``1e9 / L`` for ``10*9/L``)."""
        return ucum_to_pint(split_annotation(self.unit)[0])


class Catalogue(BaseModel):
    """Every analyte and clinical flag, with lookups by name, alias and LOINC code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    analytes: tuple[Analyte, ...]
    flags: dict[str, str]
    local_code_system: str | None = None

    @model_validator(mode="after")
    def _unique_keys(self) -> Catalogue:
        seen: dict[str, str] = {}
        for analyte in self.analytes:
            for key in _lookup_keys(analyte):
                if key in seen and seen[key] != analyte.name:
                    raise ValueError(f"'{key}' names both '{seen[key]}' and '{analyte.name}'")
                seen[key] = analyte.name
        clash = set(seen) & set(self.flags)
        if clash:
            raise ValueError(f"flag names clash with analytes: {sorted(clash)}")
        if any(a.local_code for a in self.analytes) and not self.local_code_system:
            raise ValueError("analytes with a local_code need the catalogue's local_code_system")
        return self

    def get(self, key: str) -> Analyte:
        """The analyte with this short name, alias or LOINC code (case-insensitive)."""
        wanted = key.strip().lower().replace("-", "_") if not _is_loinc(key) else key.strip()
        for analyte in self.analytes:
            if wanted in _lookup_keys(analyte):
                return analyte
        raise UnknownItem(
            f"'{key}' is not an observation in the catalogue (known: "
            f"{', '.join(a.name for a in self.analytes)})",
            field="analyte",
            value=key,
        )


def _is_loinc(key: str) -> bool:
    return re.fullmatch(r"\s*\d{1,7}-\d\s*", key) is not None


def _lookup_keys(analyte: Analyte) -> set[str]:
    keys = {analyte.name, *analyte.aliases, *analyte.other_loinc}
    if analyte.loinc:
        keys.add(analyte.loinc)
    return keys


def read_catalogue(data: dict[str, Any]) -> Catalogue:
    """Validate a catalogue read from YAML.

    Raises
    ------
    ProtocolError
        The data breaks the catalogue schema; the message names the entry.
    """
    try:
        entries = data["analytes"]
        analytes = tuple(
            Analyte.model_validate({"name": name, **entry}) for name, entry in entries.items()
        )
        return Catalogue(
            analytes=analytes,
            flags=dict(data.get("flags", {})),
            local_code_system=data.get("local_code_system"),
        )
    except (KeyError, TypeError, AttributeError, ValidationError) as e:
        raise ProtocolError(f"analyte catalogue is malformed: {e}", field="analytes") from e


@cache
def get_catalogue() -> Catalogue:
    """The packaged catalogue (``assessment/data/analytes.yaml``)."""
    text = resources.files("anakinra_iv.assessment").joinpath("data/analytes.yaml").read_text()
    return read_catalogue(read_yaml(text))


@lru_cache(maxsize=1024)
def get_analyte(key: str) -> Analyte:
    """The packaged analyte named ``key`` (short name, alias or LOINC code); remembered, since
    the catalogue is packaged and its analytes are immutable (an unknown key is not remembered).

    Raises
    ------
    UnknownItem
        No analyte has that name or code.
    """
    return get_catalogue().get(key)


def get_marker_group(key: str) -> tuple[Analyte, ...]:
    """Every analyte that measures the same marker as ``key`` (assays that do not convert)."""
    group = get_analyte(key).group
    return tuple(a for a in get_catalogue().analytes if a.group == group)


def is_flag(name: str) -> bool:
    """True when ``name`` is a clinical flag (recorded present or absent, not measured)."""
    return name.strip().lower() in get_catalogue().flags
