"""domain events outbox, and when each result's review time runs out

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("domain_events", schema=None) as batch_op:
        batch_op.create_index("ix_domain_events_entity", ["entity", "entity_id", "id"], unique=False)

    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_until", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_results_state_review_until", ["state", "review_until"], unique=False)
    # Results stored before this column get the end of their review time from their campaign.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE results SET review_until = results.submitted_at + make_interval(secs => c.max_review_time_s) "
            "FROM campaigns c WHERE c.id = results.campaign_id"
        )
    else:
        op.execute(
            "UPDATE results SET review_until = strftime('%Y-%m-%d %H:%M:%f', submitted_at, '+' || "
            "(SELECT max_review_time_s FROM campaigns c WHERE c.id = results.campaign_id) || ' seconds')"
        )


def downgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_index("ix_results_state_review_until")
        batch_op.drop_column("review_until")
    with op.batch_alter_table("domain_events", schema=None) as batch_op:
        batch_op.drop_index("ix_domain_events_entity")
    op.drop_table("domain_events")
