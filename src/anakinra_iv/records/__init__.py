"""Persistence: tables, repositories, the unit of work, the audit hash chain and migrations.

The shell keeps every record of the team workflow here. Services in :mod:`anakinra_iv.workflow`
reach the database only through :class:`~anakinra_iv.records.unit_of_work.SqlAlchemyUnitOfWork`.
"""

from anakinra_iv.records.audit import AuditChainReport, AuditEntry, calculate_event_hash
from anakinra_iv.records.database import create_database_engine
from anakinra_iv.records.migrate import upgrade_database
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork, UnitOfWork

__all__ = [
    "AuditChainReport",
    "AuditEntry",
    "SqlAlchemyUnitOfWork",
    "UnitOfWork",
    "calculate_event_hash",
    "create_database_engine",
    "upgrade_database",
]
