"""console: suspension of instances and process versions, history retention per version, follow-up dates

Revision ID: 0008_console
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_console'
down_revision = '0007'
branch_labels = None
depends_on = None

SUSPENDED = sa.text('suspended')
ENDED = sa.text('ended_at IS NOT NULL')


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy on SQLite: other tables' foreign keys point at instances and definitions).
    op.add_column('instances', sa.Column('suspended', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('definitions', sa.Column('suspended', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('definitions', sa.Column('history_ttl_days', sa.Integer(), nullable=True))
    op.add_column('user_tasks', sa.Column('follow_up', sa.String(length=64), nullable=True))
    # Few instances are suspended and job acquisition asks for them on every round: a small partial index.
    op.create_index('ix_instances_suspended', 'instances', ['id'], sqlite_where=SUSPENDED,
                    postgresql_where=SUSPENDED)
    # History cleanup reads ended instances oldest first.
    op.create_index('ix_instances_ended', 'instances', ['ended_at'], sqlite_where=ENDED, postgresql_where=ENDED)


def downgrade() -> None:
    op.drop_index('ix_instances_ended', table_name='instances')
    op.drop_index('ix_instances_suspended', table_name='instances')
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.drop_column('follow_up')
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.drop_column('history_ttl_days')
        batch_op.drop_column('suspended')
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_column('suspended')
