"""Bedside CAR-T toxicity assessments: the items of each ICANS (ICE or CAPD) and CRS
assessment as recorded; grades are calculated from them, never stored.

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30 00:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from anakinra_iv.records.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "toxicity_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.String(length=32), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("collected_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_toxicity_assessments_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_toxicity_assessments_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_toxicity_assessments")),
    )
    op.create_index(
        op.f("ix_toxicity_assessments_patient_id"),
        "toxicity_assessments",
        ["patient_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_toxicity_assessments_patient_id"), table_name="toxicity_assessments")
    op.drop_table("toxicity_assessments")
