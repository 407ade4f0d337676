"""An index on audit events by action and entity, so that time to drug finds an order's dose
changes without reading the whole trail.

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-30 00:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_action_entity_id", "audit_events", ["action", "entity_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_action_entity_id", table_name="audit_events")
