"""message subscriptions, deliveries and broadcasts (push through WeChat subscription
messages)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'message_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('template_key', sa.String(length=32), nullable=False),
        sa.Column('template_id', sa.String(length=64), nullable=False),
        sa.Column('remaining', sa.Integer(), nullable=False),
        sa.Column('long_term', sa.Boolean(), nullable=False),
        sa.Column('last_result', sa.String(length=8), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('remaining >= 0', name=op.f('ck_message_subscriptions_remaining_not_negative')),
        sa.CheckConstraint("last_result IN ('accept', 'reject', 'ban', 'filter')", name=op.f('ck_message_subscriptions_last_result_known')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_subscriptions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_subscriptions')),
        sa.UniqueConstraint('user_id', 'template_key', name=op.f('uq_message_subscriptions_user_id_template_key')),
    )
    op.create_index('ix_message_subscriptions_template_key_remaining', 'message_subscriptions', ['template_key', 'remaining'], unique=False)
    op.create_table(
        'broadcasts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_key', sa.String(length=64), nullable=False),
        sa.Column('template_key', sa.String(length=32), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('article_id', sa.Integer(), nullable=True),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('targeted', sa.Integer(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('no_quota', sa.Integer(), nullable=False),
        sa.Column('batches', sa.Integer(), nullable=False),
        sa.Column('batches_done', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sending', 'done', 'cancelled')", name=op.f('ck_broadcasts_status_known')),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_broadcasts_alert_id_alerts'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_broadcasts_article_id_articles'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_broadcasts_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts')),
    )
    op.create_index(op.f('ix_broadcasts_message_key'), 'broadcasts', ['message_key'], unique=False)
    op.create_table(
        'message_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('message_key', sa.String(length=64), nullable=False),
        sa.Column('template_key', sa.String(length=32), nullable=False),
        sa.Column('broadcast_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('errcode', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'refused', 'failed', 'no_quota', 'retry')", name=op.f('ck_message_deliveries_status_known')),
        sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_message_deliveries_broadcast_id_broadcasts'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_deliveries_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_deliveries')),
        sa.UniqueConstraint('user_id', 'message_key', name=op.f('uq_message_deliveries_user_id_message_key')),
    )
    op.create_index('ix_message_deliveries_broadcast_id_status', 'message_deliveries', ['broadcast_id', 'status'], unique=False)
    op.create_index('ix_message_deliveries_status_created_at', 'message_deliveries', ['status', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_message_deliveries_status_created_at', table_name='message_deliveries')
    op.drop_index('ix_message_deliveries_broadcast_id_status', table_name='message_deliveries')
    op.drop_table('message_deliveries')
    op.drop_index(op.f('ix_broadcasts_message_key'), table_name='broadcasts')
    op.drop_table('broadcasts')
    op.drop_index('ix_message_subscriptions_template_key_remaining', table_name='message_subscriptions')
    op.drop_table('message_subscriptions')
