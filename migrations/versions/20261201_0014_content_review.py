"""content_reviews: text others would see that WeChat's content security held for an
officer or could not judge yet

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'content_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('nickname', 'event', 'organisation')", name=op.f('ck_content_reviews_kind_known')),
        sa.CheckConstraint("status IN ('pending', 'review', 'cleared', 'rejected')", name=op.f('ck_content_reviews_status_known')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_content_reviews_decided_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_content_reviews_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_content_reviews_zone_id_zones'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_reviews')),
    )
    with op.batch_alter_table('content_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_content_reviews_kind_subject_id', ['kind', 'subject_id'], unique=False)
        batch_op.create_index('ix_content_reviews_status_zone_id', ['status', 'zone_id'], unique=False)
        batch_op.create_index('ix_content_reviews_user_id', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('content_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_content_reviews_user_id')
        batch_op.drop_index('ix_content_reviews_status_zone_id')
        batch_op.drop_index('ix_content_reviews_kind_subject_id')
    op.drop_table('content_reviews')
