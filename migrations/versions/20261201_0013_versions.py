"""versions: counters bumped with every write to the tables they watch (the public
content's version, for the shared answers of public reads)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'versions',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_versions')),
    )


def downgrade():
    op.drop_table('versions')
