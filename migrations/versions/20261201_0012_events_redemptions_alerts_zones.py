"""events keep when and why they were cancelled; redemptions carry the zone that hands
them out (backfilled from users.zone_id); alert_zones: local warnings

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=200), nullable=True))

    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_redemptions_zone_id_zones'), 'zones', ['zone_id'], ['id'], ondelete='SET NULL'
        )
        batch_op.create_index('ix_redemptions_zone_id_status', ['zone_id', 'status'], unique=False)
    # The redeeming user's zone now: the best guess for redemptions made before this column.
    op.execute(
        "UPDATE redemptions SET zone_id = "
        "(SELECT users.zone_id FROM users WHERE users.id = redemptions.user_id)"
    )

    op.create_table(
        'alert_zones',
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_zones_alert_id_alerts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_alert_zones_zone_id_zones'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('alert_id', 'zone_id', name=op.f('pk_alert_zones')),
    )
    with op.batch_alter_table('alert_zones', schema=None) as batch_op:
        batch_op.create_index('ix_alert_zones_zone_id', ['zone_id'], unique=False)


def downgrade():
    with op.batch_alter_table('alert_zones', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_zones_zone_id')
    op.drop_table('alert_zones')

    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_redemptions_zone_id_status')
        batch_op.drop_constraint(batch_op.f('fk_redemptions_zone_id_zones'), type_='foreignkey')
        batch_op.drop_column('zone_id')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
