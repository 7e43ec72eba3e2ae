"""stats rollup: figures per (day, zone), article reads and question answers per
(day, zone), and the days rolled up; the ledger indexed by day

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

COUNTS = (
    'active_users', 'active_volunteers', 'enrolled_volunteers', 'new_users', 'articles_read',
    'quiz_sessions', 'quiz_score_sum', 'enrollments', 'event_checkins', 'points_issued',
    'points_redeemed',
)


def upgrade():
    op.create_index('ix_points_ledger_local_date', 'points_ledger', ['local_date'])
    op.create_table(
        'stats_daily',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('zone_id', sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint('day', 'zone_id', name=op.f('pk_stats_daily')),
    )
    op.create_table(
        'stats_article_daily',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('zone_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('article_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('reads', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'zone_id', 'article_id', name=op.f('pk_stats_article_daily')),
    )
    op.create_table(
        'stats_question_daily',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('zone_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('question_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('correct', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            'day', 'zone_id', 'question_id', name=op.f('pk_stats_question_daily')
        ),
    )
    op.create_index(
        'ix_stats_question_daily_question_id', 'stats_question_daily', ['question_id']
    )
    op.create_table(
        'stats_rollup_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('rolled_up_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_stats_rollup_days')),
    )


def downgrade():
    op.drop_table('stats_rollup_days')
    op.drop_index('ix_stats_question_daily_question_id', table_name='stats_question_daily')
    op.drop_table('stats_question_daily')
    op.drop_table('stats_article_daily')
    op.drop_table('stats_daily')
    op.drop_index('ix_points_ledger_local_date', table_name='points_ledger')
