"""leaderboard_sync: a leaderboard backend that missed an update since its rebuild

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'leaderboard_sync',
        sa.Column('backend', sa.String(length=16), nullable=False),
        sa.Column('lost_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('backend', name=op.f('pk_leaderboard_sync')),
    )


def downgrade():
    op.drop_table('leaderboard_sync')
