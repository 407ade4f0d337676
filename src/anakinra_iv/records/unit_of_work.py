"""The unit of work: one transaction per use case, rolled back unless committed.

>>> from anakinra_iv.records.database import create_database_engine
>>> from anakinra_iv.records.tables import Base
>>> engine = create_database_engine("sqlite://")
>>> Base.metadata.create_all(engine)
>>> uow = SqlAlchemyUnitOfWork(engine)
>>> with uow:
...     uow.patients.count()
0
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from anakinra_iv.errors import ConflictError
from anakinra_iv.records.audit import AUDIT_KEYS_INFO, AuditLog
from anakinra_iv.records.audit_search import AuditSearch
from anakinra_iv.records.conflicts import describe_database_conflict
from anakinra_iv.records.idempotency import IdempotencyRepository
from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.repository import (
    AlertRepository,
    ApprovalRepository,
    BagCheckRepository,
    BagRepository,
    LoadingDoseRepository,
    ObservationRepository,
    OrderRepository,
    PatientRepository,
    RecommendationRepository,
    SegmentRepository,
    ToxicityAssessmentRepository,
    UserRepository,
    VerificationRepository,
)
from anakinra_iv.records.scans import ScanRepository
from anakinra_iv.records.throttles import LoginThrottleRepository

__all__ = ["SqlAlchemyUnitOfWork", "UnitOfWork"]


class UnitOfWork(abc.ABC):
    """The port services use: repositories, the audit log, commit and rollback.

    Leaving the ``with`` block without :meth:`commit` rolls everything back.
    """

    users: UserRepository
    approvals: ApprovalRepository
    patients: PatientRepository
    observations: ObservationRepository
    toxicity: ToxicityAssessmentRepository
    orders: OrderRepository
    verifications: VerificationRepository
    bags: BagRepository
    segments: SegmentRepository
    recommendations: RecommendationRepository
    bag_checks: BagCheckRepository
    loading_doses: LoadingDoseRepository
    alerts: AlertRepository
    audit: AuditLog
    throttles: LoginThrottleRepository
    idempotency: IdempotencyRepository
    audit_search: AuditSearch
    scans: ScanRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None:
        """Make every change of the block permanent, or raise and keep none."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Discard every change not yet committed."""

    @abc.abstractmethod
    def flush(self) -> None:
        """Write pending changes inside the transaction (a stale row raises ConflictError)."""


class SqlAlchemyUnitOfWork(UnitOfWork):
    """A unit of work over a SQLAlchemy session; a stale versioned row, a failed unique or
    foreign-key constraint and a serialization failure become ConflictError naming the record.

    ``audit_keys`` sign the audit events of its commits; without them, a commit that appends
    an event is refused.
    """

    def __init__(self, engine: Engine, audit_keys: AuditKeys | None = None) -> None:
        self._engine = engine
        self._audit_keys = audit_keys
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open session (only inside the ``with`` block)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a 'with' block")
        return self._session

    def __enter__(self) -> Self:
        session = Session(bind=self._engine, expire_on_commit=False, autoflush=True)
        if self._audit_keys is not None:
            session.info[AUDIT_KEYS_INFO] = self._audit_keys
        self._session = session
        self.users = UserRepository(session)
        self.approvals = ApprovalRepository(session)
        self.patients = PatientRepository(session)
        self.observations = ObservationRepository(session)
        self.toxicity = ToxicityAssessmentRepository(session)
        self.orders = OrderRepository(session)
        self.verifications = VerificationRepository(session)
        self.bags = BagRepository(session)
        self.segments = SegmentRepository(session)
        self.recommendations = RecommendationRepository(session)
        self.bag_checks = BagCheckRepository(session)
        self.loading_doses = LoadingDoseRepository(session)
        self.alerts = AlertRepository(session)
        self.audit = AuditLog(session)
        self.throttles = LoginThrottleRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.audit_search = AuditSearch(session)
        self.scans = ScanRepository(session)
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc, tb)
        finally:
            self.session.close()
            self._session = None

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as error:
            self.session.rollback()
            raise ConflictError(
                f"the record was changed by somebody else first ({error}); reload and retry",
            ) from error
        except DBAPIError as error:
            self.session.rollback()
            conflict = describe_database_conflict(error)
            if conflict is None:
                raise
            raise conflict from error

    def flush(self) -> None:
        """Write pending changes now (a stale versioned row raises ConflictError)."""
        try:
            self.session.flush()
        except StaleDataError as error:
            raise ConflictError(
                f"the record was changed by somebody else first ({error}); reload and retry",
            ) from error
        except DBAPIError as error:
            conflict = describe_database_conflict(error)
            if conflict is None:
                raise
            raise conflict from error

    def rollback(self) -> None:
        self.session.rollback()
