"""Manual review: score adjustments, rubrics, comments, notes, decisions and their audit trail;
which submission an assessment counts (latest or best).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from typing import Literal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _recreate() -> Literal["auto", "always", "never"]:
    """SQLite: rebuild the table, so that its stored SQL is what create_all writes (an ALTER
    would append the new column after the constraints); elsewhere ALTER TABLE in place."""
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    op.create_table(
        "candidate_reviews",
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["invite_id"], ["invites.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("invite_id"),
    )
    op.create_table(
        "challenge_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("adjusted_score", sa.Float(), nullable=True),
        sa.Column("adjustment_reason", sa.Text(), nullable=False),
        sa.Column("rubric_json", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("comment_published", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"]),
        sa.ForeignKeyConstraint(["invite_id"], ["invites.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invite_id", "challenge_id"),
    )
    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"]),
        sa.ForeignKeyConstraint(["invite_id"], ["invites.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assessments", schema=None, recreate=_recreate()) as batch_op:
        batch_op.add_column(
            sa.Column(
                "counted_submission", sa.String(length=10), nullable=False, server_default="latest"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None, recreate=_recreate()) as batch_op:
        batch_op.drop_column("counted_submission")
    op.drop_table("review_events")
    op.drop_table("challenge_reviews")
    op.drop_table("candidate_reviews")
