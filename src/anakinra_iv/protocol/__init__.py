"""Protocols as data: versioned, schema-checked files in which every number has its provenance."""

from anakinra_iv.protocol.catalog import (
    get_protocol,
    list_protocols,
    read_protocol_file,
    read_protocol_text,
)
from anakinra_iv.protocol.schema import (
    BagStrategy,
    Condition,
    ContinuousRegimen,
    DoseLimits,
    IntermittentRegimen,
    Protocol,
    RenalRule,
    Rule,
)
from anakinra_iv.protocol.values import STATUSES, Provenance, Value, iter_provenance

__all__ = [
    "STATUSES",
    "BagStrategy",
    "Condition",
    "ContinuousRegimen",
    "DoseLimits",
    "IntermittentRegimen",
    "Protocol",
    "Provenance",
    "RenalRule",
    "Rule",
    "Value",
    "get_protocol",
    "iter_provenance",
    "list_protocols",
    "read_protocol_file",
    "read_protocol_text",
]
