"""Repositories: the only code that builds queries on the workflow tables.

Each repository adds and reads the records of one table inside the session of the unit of work.
None of them deletes anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from anakinra_iv.errors import UnknownItem
from anakinra_iv.records.conflicts import describe_database_conflict
from anakinra_iv.records.tables import (
    AdministrationSegment,
    Alert,
    Bag,
    BagCheck,
    Base,
    LoadingDose,
    Observation,
    Order,
    Patient,
    ProtocolApproval,
    Recommendation,
    ToxicityAssessment,
    User,
    Verification,
)

__all__ = [
    "AlertRepository",
    "ApprovalRepository",
    "BagCheckRepository",
    "BagRepository",
    "LoadingDoseRepository",
    "ObservationRepository",
    "OrderRepository",
    "PatientRepository",
    "RecommendationRepository",
    "Repository",
    "SegmentRepository",
    "ToxicityAssessmentRepository",
    "UserRepository",
    "VerificationRepository",
]

RowT = TypeVar("RowT", bound=Base)


class Repository(Generic[RowT]):
    """Add, get and count rows of one table."""

    row_type: type[RowT]
    label: str = "record"

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, row: RowT, *, flush: bool = True) -> RowT:
        """Add a new row and give it its id.

        With ``flush=False`` the row is written with the next flush or commit of the unit of
        work (one round of writes instead of one per row); use it when nothing needs the id
        before then.
        """
        self._session.add(row)
        if flush:
            try:
                self._session.flush()
            except DBAPIError as error:
                conflict = describe_database_conflict(error)
                if conflict is None:
                    raise
                raise conflict from error
        return row

    def find(self, row_id: int) -> RowT | None:
        """The row with this id, or None."""
        return self._session.get(self.row_type, row_id)

    def get(self, row_id: int) -> RowT:
        """The row with this id; raise UnknownItem naming it if there is none."""
        row = self.find(row_id)
        if row is None:
            raise UnknownItem(f"{self.label} {row_id} does not exist", field="id", value=row_id)
        return row

    def get_for_update(self, row_id: int) -> RowT:
        """The row with this id, locked until the end of the transaction (PostgreSQL)."""
        row = self._session.get(self.row_type, row_id, with_for_update=True)
        if row is None:
            raise UnknownItem(f"{self.label} {row_id} does not exist", field="id", value=row_id)
        return row

    def count(self) -> int:
        """How many rows the table holds."""
        return int(
            self._session.execute(select(func.count()).select_from(self.row_type)).scalar_one()
        )


class UserRepository(Repository[User]):
    """Users."""

    row_type = User
    label = "user"

    def find_by_username(self, username: str) -> User | None:
        """The user with this name, or None."""
        return self._session.execute(
            select(User).where(User.username == username)
        ).scalar_one_or_none()

    def list_all(self) -> Sequence[User]:
        """Every user, by name."""
        return self._session.execute(select(User).order_by(User.username)).scalars().all()

    def find_names(self, user_ids: Iterable[int]) -> dict[int, str]:
        """User names by id for the users that exist among ``user_ids``.

        Users already loaded in this unit of work are answered from it; the others are read
        in one query.
        """
        names: dict[int, str] = {}
        missing: list[int] = []
        for user_id in set(user_ids):
            loaded = self._session.identity_map.get(identity_key(User, user_id))
            if isinstance(loaded, User):
                names[user_id] = loaded.username
            else:
                missing.append(user_id)
        if missing:
            query = select(User.id, User.username).where(User.id.in_(missing))
            names.update((row.id, row.username) for row in self._session.execute(query))
        return names


class ApprovalRepository(Repository[ProtocolApproval]):
    """Protocol approvals."""

    row_type = ProtocolApproval
    label = "protocol approval"

    def find_latest(self, protocol_id: str, version: str) -> ProtocolApproval | None:
        """The latest approval of one protocol version, or None."""
        return self._session.execute(
            select(ProtocolApproval)
            .where(
                ProtocolApproval.protocol_id == protocol_id,
                ProtocolApproval.protocol_version == version,
            )
            .order_by(ProtocolApproval.approved_at.desc(), ProtocolApproval.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def list_all(self) -> Sequence[ProtocolApproval]:
        """Every approval, newest first."""
        query = select(ProtocolApproval).order_by(ProtocolApproval.approved_at.desc())
        return self._session.execute(query).scalars().all()


class PatientRepository(Repository[Patient]):
    """Patients."""

    row_type = Patient
    label = "patient"

    def find_by_mrn(self, mrn: str) -> Patient | None:
        """The patient with this medical record number, or None."""
        return self._session.execute(select(Patient).where(Patient.mrn == mrn)).scalar_one_or_none()

    def list_all(self) -> Sequence[Patient]:
        """Every patient, by name."""
        return self._session.execute(select(Patient).order_by(Patient.name)).scalars().all()

    def list_by_ids(self, patient_ids: Iterable[int]) -> Sequence[Patient]:
        """The patients among ``patient_ids`` that exist (one query)."""
        wanted = list(set(patient_ids))
        if not wanted:
            return []
        return self._session.execute(select(Patient).where(Patient.id.in_(wanted))).scalars().all()


class ObservationRepository(Repository[Observation]):
    """Observations."""

    row_type = Observation
    label = "observation"

    def list_for_patient(self, patient_id: int) -> Sequence[Observation]:
        """A patient's observations, oldest collected first."""
        query = (
            select(Observation)
            .where(Observation.patient_id == patient_id)
            .order_by(Observation.collected_at, Observation.id)
        )
        return self._session.execute(query).scalars().all()

    def list_ids_for_patient(self, patient_id: int) -> list[int]:
        """The ids of a patient's observations."""
        query = select(Observation.id).where(Observation.patient_id == patient_id)
        return [int(i) for i in self._session.execute(query).scalars()]

    def list_for_patients(self, patient_ids: Iterable[int]) -> Sequence[Observation]:
        """These patients' observations (one query), each patient's oldest collected first."""
        wanted = list(set(patient_ids))
        if not wanted:
            return []
        query = (
            select(Observation)
            .where(Observation.patient_id.in_(wanted))
            .order_by(Observation.patient_id, Observation.collected_at, Observation.id)
        )
        return self._session.execute(query).scalars().all()

    def find_latest(self, patient_id: int, code: str) -> Observation | None:
        """The most recently collected observation with this code, or None."""
        query = (
            select(Observation)
            .where(Observation.patient_id == patient_id, Observation.code == code)
            .order_by(Observation.collected_at.desc(), Observation.id.desc())
            .limit(1)
        )
        return self._session.execute(query).scalar_one_or_none()


class ToxicityAssessmentRepository(Repository[ToxicityAssessment]):
    """Bedside CAR-T toxicity assessments (their items; grades are calculated)."""

    row_type = ToxicityAssessment
    label = "toxicity assessment"

    def list_for_patient(self, patient_id: int) -> Sequence[ToxicityAssessment]:
        """A patient's assessments, oldest collected first."""
        query = (
            select(ToxicityAssessment)
            .where(ToxicityAssessment.patient_id == patient_id)
            .order_by(ToxicityAssessment.collected_at, ToxicityAssessment.id)
        )
        return self._session.execute(query).scalars().all()

    def list_for_patients(self, patient_ids: Iterable[int]) -> Sequence[ToxicityAssessment]:
        """The assessments of several patients in one query, oldest collected first."""
        ids = list(set(patient_ids))
        if not ids:
            return []
        query = (
            select(ToxicityAssessment)
            .where(ToxicityAssessment.patient_id.in_(ids))
            .order_by(ToxicityAssessment.collected_at, ToxicityAssessment.id)
        )
        return self._session.execute(query).scalars().all()


class OrderRepository(Repository[Order]):
    """Orders."""

    row_type = Order
    label = "order"

    def list_by_status(self, statuses: Sequence[str]) -> Sequence[Order]:
        """Orders in any of these states, oldest first."""
        query = select(Order).where(Order.status.in_(statuses)).order_by(Order.id)
        return self._session.execute(query).scalars().all()

    def list_needing_verification(self, statuses: Sequence[str]) -> Sequence[Order]:
        """Orders in one of ``statuses`` waiting for a pharmacist's verification, oldest
        first."""
        query = (
            select(Order)
            .where(Order.needs_verification.is_(True), Order.status.in_(statuses))
            .order_by(Order.updated_at)
        )
        return self._session.execute(query).scalars().all()

    def list_still_running(
        self, statuses: Sequence[str], *, patient_id: int | None = None
    ) -> Sequence[Order]:
        """Orders in one of ``statuses`` (of one patient, if given) whose latest segment still
        runs (rate above zero), oldest first; one query."""
        latest = (
            select(func.max(AdministrationSegment.seq))
            .where(AdministrationSegment.order_id == Order.id)
            .correlate(Order)
            .scalar_subquery()
        )
        query = (
            select(Order)
            .join(AdministrationSegment, AdministrationSegment.order_id == Order.id)
            .where(
                Order.status.in_(statuses),
                AdministrationSegment.seq == latest,
                AdministrationSegment.rate_mg_per_h > 0,
            )
            .order_by(Order.id)
        )
        if patient_id is not None:
            query = query.where(Order.patient_id == patient_id)
        return self._session.execute(query).scalars().all()

    def list_for_patient(self, patient_id: int) -> Sequence[Order]:
        """A patient's orders, newest first."""
        query = select(Order).where(Order.patient_id == patient_id).order_by(Order.id.desc())
        return self._session.execute(query).scalars().all()

    def list_unverified(self) -> Sequence[Order]:
        """Orders, open or closed, whose current dose no pharmacist has verified."""
        query = select(Order).where(Order.needs_verification.is_(True)).order_by(Order.id)
        return self._session.execute(query).scalars().all()

    def list_ids_for_patients(self, patient_ids: Iterable[int]) -> list[int]:
        """The ids of these patients' orders (one query)."""
        wanted = list(set(patient_ids))
        if not wanted:
            return []
        query = select(Order.id).where(Order.patient_id.in_(wanted))
        return [int(i) for i in self._session.execute(query).scalars()]

    def find_open_for_patient(self, patient_id: int) -> Order | None:
        """The patient's open order (``open_patient_id`` set), or None."""
        query = select(Order).where(Order.open_patient_id == patient_id)
        return self._session.execute(query).scalar_one_or_none()


class VerificationRepository(Repository[Verification]):
    """Verification attempts."""

    row_type = Verification
    label = "verification"

    def list_for_order(self, order_id: int) -> Sequence[Verification]:
        """An order's verification attempts, oldest first."""
        query = (
            select(Verification).where(Verification.order_id == order_id).order_by(Verification.id)
        )
        return self._session.execute(query).scalars().all()


class BagRepository(Repository[Bag]):
    """Compounded bags."""

    row_type = Bag
    label = "bag"

    def list_for_order(self, order_id: int) -> Sequence[Bag]:
        """An order's bags, oldest first."""
        query = select(Bag).where(Bag.order_id == order_id).order_by(Bag.id)
        return self._session.execute(query).scalars().all()

    def list_for_orders(self, order_ids: Iterable[int]) -> Sequence[Bag]:
        """These orders' bags (one query), oldest first."""
        wanted = list(set(order_ids))
        if not wanted:
            return []
        query = select(Bag).where(Bag.order_id.in_(wanted)).order_by(Bag.id)
        return self._session.execute(query).scalars().all()

    def list_ids_for_orders(self, order_ids: Iterable[int]) -> list[int]:
        """The ids of these orders' bags (one query)."""
        wanted = list(set(order_ids))
        if not wanted:
            return []
        query = select(Bag.id).where(Bag.order_id.in_(wanted))
        return [int(i) for i in self._session.execute(query).scalars()]

    def list_by_status(self, statuses: Sequence[str]) -> Sequence[Bag]:
        """Bags in any of these states, oldest first."""
        query = select(Bag).where(Bag.status.in_(statuses)).order_by(Bag.id)
        return self._session.execute(query).scalars().all()


class SegmentRepository(Repository[AdministrationSegment]):
    """Administration segments."""

    row_type = AdministrationSegment
    label = "administration segment"

    def list_for_order(self, order_id: int) -> Sequence[AdministrationSegment]:
        """An order's segments in sequence."""
        query = (
            select(AdministrationSegment)
            .where(AdministrationSegment.order_id == order_id)
            .order_by(AdministrationSegment.seq)
        )
        return self._session.execute(query).scalars().all()

    def list_for_orders(self, order_ids: Iterable[int]) -> Sequence[AdministrationSegment]:
        """These orders' segments (one query), each order's in sequence."""
        wanted = list(set(order_ids))
        if not wanted:
            return []
        query = (
            select(AdministrationSegment)
            .where(AdministrationSegment.order_id.in_(wanted))
            .order_by(AdministrationSegment.order_id, AdministrationSegment.seq)
        )
        return self._session.execute(query).scalars().all()

    def find_last(self, order_id: int) -> AdministrationSegment | None:
        """The order's latest segment, or None before the infusion starts."""
        query = (
            select(AdministrationSegment)
            .where(AdministrationSegment.order_id == order_id)
            .order_by(AdministrationSegment.seq.desc())
            .limit(1)
        )
        return self._session.execute(query).scalar_one_or_none()


class RecommendationRepository(Repository[Recommendation]):
    """Recommendations as shown."""

    row_type = Recommendation
    label = "recommendation"

    def find_latest_times(self, order_ids: Iterable[int], kind: str) -> dict[int, datetime]:
        """When the latest recommendation of ``kind`` was stored for each of these orders (one
        query); orders without one are left out."""
        wanted = list(set(order_ids))
        if not wanted:
            return {}
        query = (
            select(Recommendation.order_id, func.max(Recommendation.created_at))
            .where(Recommendation.order_id.in_(wanted), Recommendation.kind == kind)
            .group_by(Recommendation.order_id)
        )
        # max() of a UTCDateTime column keeps its type: the times come back aware, in UTC
        rows = self._session.execute(query)
        return {int(order_id): at for order_id, at in rows if order_id is not None}

    def list_for_order(self, order_id: int, kind: str) -> Sequence[Recommendation]:
        """An order's recommendations of ``kind``, oldest first."""
        query = (
            select(Recommendation)
            .where(Recommendation.order_id == order_id, Recommendation.kind == kind)
            .order_by(Recommendation.id)
        )
        return self._session.execute(query).scalars().all()

    def list_for_patient(self, patient_id: int) -> Sequence[Recommendation]:
        """A patient's recommendations, newest first."""
        query = (
            select(Recommendation)
            .where(Recommendation.patient_id == patient_id)
            .order_by(Recommendation.id.desc())
        )
        return self._session.execute(query).scalars().all()

    def find_newest_times(self, patient_ids: Iterable[int]) -> dict[int, datetime]:
        """When each of these patients' newest recommendation (the first of
        :meth:`list_for_patient`) was stored (one query); patients without one are left out."""
        wanted = list(set(patient_ids))
        if not wanted:
            return {}
        newest = (
            select(func.max(Recommendation.id))
            .where(Recommendation.patient_id.in_(wanted))
            .group_by(Recommendation.patient_id)
        )
        query = select(Recommendation.patient_id, Recommendation.created_at).where(
            Recommendation.id.in_(newest)
        )
        return {int(pid): at for pid, at in self._session.execute(query)}


class BagCheckRepository(Repository[BagCheck]):
    """Second-check attempts of bags."""

    row_type = BagCheck
    label = "bag check"

    def list_for_bag(self, bag_id: int) -> Sequence[BagCheck]:
        """A bag's check attempts, oldest first."""
        query = select(BagCheck).where(BagCheck.bag_id == bag_id).order_by(BagCheck.id)
        return self._session.execute(query).scalars().all()


class LoadingDoseRepository(Repository[LoadingDose]):
    """Loading doses."""

    row_type = LoadingDose
    label = "loading dose"

    def find_for_order(self, order_id: int) -> LoadingDose | None:
        """The order's loading dose, or None."""
        query = select(LoadingDose).where(LoadingDose.order_id == order_id)
        return self._session.execute(query).scalar_one_or_none()

    def list_for_orders(self, order_ids: Iterable[int]) -> Sequence[LoadingDose]:
        """The loading doses of these orders (one query)."""
        wanted = list(set(order_ids))
        if not wanted:
            return []
        query = select(LoadingDose).where(LoadingDose.order_id.in_(wanted))
        return self._session.execute(query.order_by(LoadingDose.given_at)).scalars().all()


class AlertRepository(Repository[Alert]):
    """Alerts for the pharmacy lead."""

    row_type = Alert
    label = "alert"

    def list_ids_for_orders(self, order_ids: Iterable[int]) -> list[int]:
        """The ids of the alerts about these orders (one query)."""
        wanted = list(set(order_ids))
        if not wanted:
            return []
        query = select(Alert.id).where(Alert.order_id.in_(wanted))
        return [int(i) for i in self._session.execute(query).scalars()]

    def list_open(self) -> Sequence[Alert]:
        """Unresolved alerts, oldest first."""
        query = select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.id)
        return self._session.execute(query).scalars().all()

    def list_for(
        self, kind: str, user_id: int, *, order_id: int | None = None, bag_id: int | None = None
    ) -> Sequence[Alert]:
        """Alerts of one kind about one person and one order or bag, oldest first."""
        query = select(Alert).where(Alert.kind == kind, Alert.user_id == user_id)
        if order_id is not None:
            query = query.where(Alert.order_id == order_id)
        if bag_id is not None:
            query = query.where(Alert.bag_id == bag_id)
        return self._session.execute(query.order_by(Alert.id)).scalars().all()
