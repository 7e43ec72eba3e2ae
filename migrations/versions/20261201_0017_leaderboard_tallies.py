"""leaderboard tallies: members per score and per bucket of 128 scores, zone totals per
period, promoters' active volunteers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 23:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ACTIVE_VOLUNTEERS = (
    "SELECT e.promoter_id, count(*) FROM enrollments e JOIN users u ON u.id = e.volunteer_id "
    "WHERE u.status = 'active' GROUP BY e.promoter_id"
)


def upgrade():
    op.create_table(
        'leaderboard_score_counts',
        sa.Column('board', sa.String(length=16), nullable=False),
        sa.Column('period', sa.String(length=12), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            'board', 'period', 'zone_id', 'score', name=op.f('pk_leaderboard_score_counts')
        ),
    )
    op.create_table(
        'leaderboard_score_buckets',
        sa.Column('board', sa.String(length=16), nullable=False),
        sa.Column('period', sa.String(length=12), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            'board', 'period', 'zone_id', 'bucket', name=op.f('pk_leaderboard_score_buckets')
        ),
    )
    op.create_table(
        'leaderboard_zone_totals',
        sa.Column('period', sa.String(length=12), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.BigInteger(), nullable=False),
        sa.Column('reached_seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('period', 'zone_id', name=op.f('pk_leaderboard_zone_totals')),
    )
    op.create_table(
        'leaderboard_promoter_tallies',
        sa.Column('promoter_id', sa.Integer(), nullable=False),
        sa.Column('volunteers', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['promoter_id'], ['users.id'],
            name=op.f('fk_leaderboard_promoter_tallies_promoter_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('promoter_id', name=op.f('pk_leaderboard_promoter_tallies')),
    )
    # Filled from what exists, so boards are right without a rebuild.
    op.execute(
        "INSERT INTO leaderboard_score_counts (board, period, zone_id, score, members) "
        "SELECT board, period, zone_id, score, count(*) FROM leaderboard_scores "
        "GROUP BY board, period, zone_id, score"
    )
    op.execute(
        "INSERT INTO leaderboard_score_buckets (board, period, zone_id, bucket, members) "
        "SELECT board, period, zone_id, score >> 7, count(*) FROM leaderboard_scores "
        "GROUP BY board, period, zone_id, score >> 7"
    )
    op.execute(
        "INSERT INTO leaderboard_zone_totals (period, zone_id, score, reached_seq) "
        "SELECT period, zone_id, sum(score), max(reached_seq) FROM leaderboard_scores "
        "WHERE board = 'volunteers' AND zone_id != 0 GROUP BY period, zone_id"
    )
    op.execute(
        "INSERT INTO leaderboard_promoter_tallies (promoter_id, volunteers) " + ACTIVE_VOLUNTEERS
    )


def downgrade():
    op.drop_table('leaderboard_promoter_tallies')
    op.drop_table('leaderboard_zone_totals')
    op.drop_table('leaderboard_score_buckets')
    op.drop_table('leaderboard_score_counts')
