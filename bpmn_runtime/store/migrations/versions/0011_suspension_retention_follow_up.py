"""console: suspension of instances and process versions, history retention per version, follow-up dates,
deployed form-js forms and the form version each process version's element is bound to

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
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
    op.create_table('forms',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('form_id', sa.String(length=255), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('schema', sa.Text(), nullable=False),
    sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('form_id', 'version')
    )
    op.create_index('ix_forms_file_name', 'forms', ['file_name'])
    op.create_table('linked_forms',
    sa.Column('definition_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('element_id', sa.String(length=255), nullable=False),
    sa.Column('form_version_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('definition_id', 'element_id')
    )
    # Few instances are suspended and job acquisition asks for them on every round: a small partial index.
    op.create_index('ix_instances_suspended', 'instances', ['id'], sqlite_where=SUSPENDED,
                    postgresql_where=SUSPENDED)
    # The inbox's due-date filters and sort.
    op.create_index('ix_user_tasks_due', 'user_tasks', ['due'])
    # History cleanup reads ended instances oldest first.
    op.create_index('ix_instances_ended', 'instances', ['ended_at'], sqlite_where=ENDED, postgresql_where=ENDED)


def downgrade() -> None:
    op.drop_table('linked_forms')
    op.drop_index('ix_forms_file_name', table_name='forms')
    op.drop_table('forms')
    op.drop_index('ix_user_tasks_due', table_name='user_tasks')
    op.drop_index('ix_instances_ended', table_name='instances')
    op.drop_index('ix_instances_suspended', table_name='instances')
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.drop_column('follow_up')
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.drop_column('history_ttl_days')
        batch_op.drop_column('suspended')
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_column('suspended')
