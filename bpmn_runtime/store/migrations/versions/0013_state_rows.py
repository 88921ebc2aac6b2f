"""the activity instances and waits of a large instance's state as rows of their own (`state_rows`), so that a
step writes the ones it changed; existing states stay whole documents until their next save

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'state_rows',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.Integer(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('instance_id', 'kind', 'key', name='uq_state_rows_instance_kind_key'),
    )


def downgrade() -> None:
    op.drop_table('state_rows')
