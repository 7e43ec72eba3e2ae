"""users.zone_id: the zone a user's points count for

The ledger used to ask the zones domain for it on every award; now the zones domain
keeps it on the user row (a volunteer's enrollment zone, else a promoter's first zone).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_zone_id'), ['zone_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_users_zone_id_zones'), 'zones', ['zone_id'], ['id'], ondelete='SET NULL'
        )
    op.execute(
        "UPDATE users SET zone_id = COALESCE("
        " (SELECT e.zone_id FROM enrollments e WHERE e.volunteer_id = users.id),"
        " (SELECT MIN(r.zone_id) FROM role_zones r"
        "   WHERE r.user_id = users.id AND r.role = 'promoter'))"
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_zone_id_zones'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_zone_id'))
        batch_op.drop_column('zone_id')
