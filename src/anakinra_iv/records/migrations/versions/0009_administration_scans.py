"""Barcode-checked administration: the scans (or override reasons) of each bag hung, and the
refused scans.

Revision ID: 0009
Revises: 0003
Create Date: 2026-11-30 00:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from anakinra_iv.records.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "administration_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("segment_seq", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("scanned_patient", sa.String(length=128), nullable=True),
        sa.Column("scanned_bag", sa.String(length=128), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("ward", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_administration_scans_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_administration_scans_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_administration_scans")),
    )
    op.create_index(op.f("ix_administration_scans_order_id"), "administration_scans", ["order_id"])
    op.create_index(op.f("ix_administration_scans_outcome"), "administration_scans", ["outcome"])


def downgrade() -> None:
    op.drop_index(op.f("ix_administration_scans_outcome"), table_name="administration_scans")
    op.drop_index(op.f("ix_administration_scans_order_id"), table_name="administration_scans")
    op.drop_table("administration_scans")
