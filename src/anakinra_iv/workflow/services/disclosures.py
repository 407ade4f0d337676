"""Use case of disclosure: who saw or exported which patient's record (a report, a FHIR export)
is recorded in the audit trail, like every change."""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor

__all__ = ["DISCLOSURES", "record_disclosure"]

DISCLOSURES = ("report.view", "report.export", "fhir.export")
"""The audit actions of a disclosure: a report seen on screen or downloaded, a report written to
a file, a FHIR export."""


def record_disclosure(
    uow: UnitOfWork,
    user_id: int,
    patient_id: int,
    action: str,
    now: datetime,
    *,
    detail: dict[str, object] | None = None,
) -> None:
    """Record that the user saw or exported the patient's record (``action`` one of
    :data:`DISCLOSURES`; ``detail`` says what: format, file, resources)."""
    if action not in DISCLOSURES:
        raise InvalidInput(
            f"'action' must be one of {', '.join(DISCLOSURES)} (got '{action}')",
            field="action",
            value=action,
        )
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        uow.patients.get(patient_id)
        uow.audit.append(
            AuditEntry(actor.username, action, "patient", str(patient_id), None, detail or {}),
            now=now,
        )
        uow.commit()
