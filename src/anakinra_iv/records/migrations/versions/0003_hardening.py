"""Hardening: keyed audit events with row states, one open order per patient, token versions,
sign-in throttles per user and client address, idempotency keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from anakinra_iv.records.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

# The order statuses that were closed at this revision (copied, not imported, so that the
# migration keeps meaning the same thing when the lifecycle grows).
CLOSED_AT_THIS_REVISION = ("stopped", "discontinued", "cancelled", "rejected")


def _refuse_two_open_orders() -> None:
    closed = ", ".join(f"'{s}'" for s in CLOSED_AT_THIS_REVISION)
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT patient_id, COUNT(*) FROM orders WHERE status NOT IN ({closed}) "
                "GROUP BY patient_id HAVING COUNT(*) > 1"
            )
        )
        .all()
    )
    if rows:
        names = ", ".join(f"patient {r[0]} ({r[1]} open orders)" for r in rows)
        raise RuntimeError(
            f"cannot add the one-open-order rule: {names}; stop or discontinue all but one "
            "open order of each with the previous version, then upgrade again"
        )
    op.execute(f"UPDATE orders SET open_patient_id = patient_id WHERE status NOT IN ({closed})")


def upgrade() -> None:
    op.add_column(
        "audit_events",
        sa.Column("scheme", sa.String(length=16), server_default="sha256", nullable=False),
    )
    op.add_column(
        "audit_events", sa.Column("row_states", sa.Text(), server_default="{}", nullable=False)
    )
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("orders", sa.Column("open_patient_id", sa.Integer(), nullable=True))
    _refuse_two_open_orders()
    op.create_index("uq_orders_open_patient_id", "orders", ["open_patient_id"], unique=True)
    op.create_table(
        "login_throttles",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", "client", name=op.f("pk_login_throttles")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("entity", sa.String(length=200), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_type", sa.String(length=200), nullable=True),
        sa.Column("response_location", sa.Text(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("login_throttles")
    op.drop_index("uq_orders_open_patient_id", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("open_patient_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of the
    # append-only table would drop its triggers.
    op.drop_column("audit_events", "row_states")
    op.drop_column("audit_events", "scheme")
