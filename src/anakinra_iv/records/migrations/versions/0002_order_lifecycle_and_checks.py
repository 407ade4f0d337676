"""Order lifecycle and checks: renal decision, who changed a dose, status reasons, ward and bed,
per-syringe lots, second-check attempts, loading doses and alerts for the pharmacy lead.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from anakinra_iv.records.types import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("patients", sa.Column("ward", sa.String(length=64), nullable=True))
    op.add_column("patients", sa.Column("bed", sa.String(length=32), nullable=True))
    op.add_column("orders", sa.Column("renal_decision", sa.String(length=16), nullable=True))
    op.add_column("orders", sa.Column("renal_reason", sa.Text(), nullable=True))
    op.add_column("orders", sa.Column("status_reason", sa.Text(), nullable=True))
    op.add_column("orders", sa.Column("status_at", UTCDateTime(), nullable=True))
    for column in ("dose_changed_by_id", "status_by_id"):
        name = f"fk_orders_{column}_users"
        if op.get_bind().dialect.name == "sqlite":
            # SQLite adds a column with its reference in one statement (no ALTER of constraints),
            # which keeps the table and the rows that refer to it in place
            op.execute(
                f"ALTER TABLE orders ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {name} REFERENCES users (id)"
            )
        else:
            op.add_column("orders", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, "orders", "users", [column], ["id"])
    op.add_column("bags", sa.Column("syringes", sa.JSON(), nullable=True))
    op.create_table(
        "bag_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bag_id", sa.Integer(), nullable=False),
        sa.Column("checker_id", sa.Integer(), nullable=False),
        sa.Column("entered_drug_amount_mg", sa.Float(), nullable=True),
        sa.Column("entered_final_volume_ml", sa.Float(), nullable=True),
        sa.Column("entered_lots", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bag_id"], ["bags.id"], name=op.f("fk_bag_checks_bag_id_bags")),
        sa.ForeignKeyConstraint(
            ["checker_id"], ["users.id"], name=op.f("fk_bag_checks_checker_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bag_checks")),
    )
    op.create_index(op.f("ix_bag_checks_bag_id"), "bag_checks", ["bag_id"], unique=False)
    op.create_table(
        "loading_doses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("dose_mg", sa.Float(), nullable=False),
        sa.Column("given_at", UTCDateTime(), nullable=False),
        sa.Column("syringe_lot", sa.String(length=100), nullable=False),
        sa.Column("given_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["given_by_id"], ["users.id"], name=op.f("fk_loading_doses_given_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_loading_doses_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loading_doses")),
        sa.UniqueConstraint("order_id", name=op.f("uq_loading_doses_order_id")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("bag_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["bag_id"], ["bags.id"], name=op.f("fk_alerts_bag_id_bags")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_alerts_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_alerts_resolved_by_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_kind"), "alerts", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_alerts_kind"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("loading_doses")
    op.drop_index(op.f("ix_bag_checks_bag_id"), table_name="bag_checks")
    op.drop_table("bag_checks")
    with op.batch_alter_table("bags") as batch:
        batch.drop_column("syringes")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_orders_status_by_id_users", "orders", type_="foreignkey")
        op.drop_constraint("fk_orders_dose_changed_by_id_users", "orders", type_="foreignkey")
    with op.batch_alter_table("orders") as batch:
        for column in (
            "status_at",
            "status_by_id",
            "status_reason",
            "dose_changed_by_id",
            "renal_reason",
            "renal_decision",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("bed")
        batch.drop_column("ward")
