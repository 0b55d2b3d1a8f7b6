"""Remote workers: blobs of submissions and challenge versions, results and run claims in the DB.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from typing import Literal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _recreate() -> Literal["auto", "always", "never"]:
    """SQLite: rebuild each table, so that its stored SQL is what create_all writes (an ALTER
    would append the new columns after the constraints); elsewhere ALTER TABLE in place."""
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("challenge_versions", schema=None, recreate=_recreate()) as batch_op:
        batch_op.add_column(
            sa.Column("bundle_sha256", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("claim_token", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("submissions", schema=None, recreate=_recreate()) as batch_op:
        batch_op.add_column(
            sa.Column("bundle_sha256", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("bundle_name", sa.String(length=300), nullable=False, server_default="")
        )
    with op.batch_alter_table("runs", schema=None, recreate=_recreate()) as batch_op:
        batch_op.add_column(sa.Column("result_json", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("claim_token", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("worker", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None, recreate=_recreate()) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("worker")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("result_json")
    with op.batch_alter_table("submissions", schema=None, recreate=_recreate()) as batch_op:
        batch_op.drop_column("bundle_name")
        batch_op.drop_column("bundle_sha256")
    with op.batch_alter_table("challenge_versions", schema=None, recreate=_recreate()) as batch_op:
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("bundle_sha256")
    op.drop_table("blobs")
