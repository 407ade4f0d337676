"""Barcode checks of bags hung: stored, and counted by ward."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from anakinra_iv.records.repository import Repository
from anakinra_iv.records.tables import AdministrationScan, Order

__all__ = ["ScanRepository"]


class ScanRepository(Repository[AdministrationScan]):
    """Barcode checks (scanned, overridden, refused) of starts and bag changes."""

    row_type = AdministrationScan
    label = "barcode check"

    def list_for_orders(self, order_ids: Iterable[int]) -> Sequence[AdministrationScan]:
        """The checks of these orders, oldest first (one query)."""
        wanted = list(set(order_ids))
        if not wanted:
            return []
        query = select(AdministrationScan).where(AdministrationScan.order_id.in_(wanted))
        return (
            self._session.execute(
                query.order_by(AdministrationScan.occurred_at, AdministrationScan.id)
            )
            .scalars()
            .all()
        )

    def count_by_ward(self, patient_id: int | None = None) -> list[tuple[str | None, str, int]]:
        """(ward, outcome, count) over every check, or the checks of one patient's orders."""
        query = select(
            AdministrationScan.ward, AdministrationScan.outcome, func.count(AdministrationScan.id)
        )
        if patient_id is not None:
            query = query.join(Order, Order.id == AdministrationScan.order_id).where(
                Order.patient_id == patient_id
            )
        query = query.group_by(AdministrationScan.ward, AdministrationScan.outcome)
        return [(w, o, int(n)) for w, o, n in self._session.execute(query).all()]

    def list_overrides(self, limit: int = 200) -> Sequence[AdministrationScan]:
        """The latest checks that were overridden or refused, newest first."""
        query = (
            select(AdministrationScan)
            .where(AdministrationScan.outcome.in_(("override", "refused")))
            .order_by(AdministrationScan.occurred_at.desc(), AdministrationScan.id.desc())
            .limit(limit)
        )
        return self._session.execute(query).scalars().all()
