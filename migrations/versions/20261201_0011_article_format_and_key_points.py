"""articles.format and articles.key_points

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

FORMATS = "format IN ('case', 'guide', 'rhyme', 'explainer', 'howto')"


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('format', sa.String(length=16), nullable=False, server_default='guide')
        )
        batch_op.add_column(
            sa.Column('key_points', sa.JSON(), nullable=False, server_default='[]')
        )
        batch_op.create_check_constraint('format_known', FORMATS)
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.alter_column('format', server_default=None)
        batch_op.alter_column('key_points', server_default=None)


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_constraint('format_known', type_='check')
        batch_op.drop_column('key_points')
        batch_op.drop_column('format')
