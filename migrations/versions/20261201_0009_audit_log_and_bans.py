"""audit_log; bans keep their reason and who banned; sessions_valid_after

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('via', sa.String(length=8), nullable=False),
        sa.Column('action', sa.String(length=48), nullable=False),
        sa.Column('object_type', sa.String(length=32), nullable=False),
        sa.Column('object_id', sa.String(length=64), nullable=True),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_audit_log_object_type_object_id', ['object_type', 'object_id'], unique=False)
        batch_op.create_index('ix_audit_log_zone_id_id', ['zone_id', 'id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ban_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('banned_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sessions_valid_after', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_users_banned_by_id_users'), 'users', ['banned_by_id'], ['id'], ondelete='SET NULL'
        )
    op.execute("UPDATE users SET sessions_valid_after = banned_at")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_banned_by_id_users'), type_='foreignkey')
        batch_op.drop_column('sessions_valid_after')
        batch_op.drop_column('banned_by_id')
        batch_op.drop_column('ban_reason')
    op.drop_table('audit_log')
