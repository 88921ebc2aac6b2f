"""ids are never handed out twice; request keys are scoped to their process; ended tasks are remembered

SQLite gives a deleted row's id to the next row unless the table is AUTOINCREMENT: user tasks, jobs,
subscriptions and incidents are rebuilt with it. The next id starts above every id still known (a job
id an incident names counts too). A request key is unique per process, not across all processes.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
HAS_BUSINESS_KEY = sa.text('business_key IS NOT NULL')
NEVER_REUSED = ('jobs', 'subscriptions', 'incidents')  # and user_tasks, rebuilt in _rebuild_instances
# Ids that rows elsewhere still name, beyond the table's own: the next id must be larger than these too.
NAMED_ELSEWHERE = {'jobs': 'SELECT max(job_id) FROM incidents'}


def _set_autoincrement(autoincrement: bool) -> None:
    for table in NEVER_REUSED:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}) as batch_op:
            batch_op.alter_column('id', existing_type=Id, autoincrement=True)
    if not autoincrement:
        return
    for table, named in NAMED_ELSEWHERE.items():
        op.execute(f"INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', 0 "
                   f"WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{table}')")
        op.execute(f"UPDATE sqlite_sequence SET seq = max(seq, coalesce(({named}), 0)) WHERE name = '{table}'")


def _user_tasks(autoincrement: bool) -> None:
    op.create_table('user_tasks',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('instance_id', Id, nullable=False),
    sa.Column('wait_key', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=255), nullable=False),
    sa.Column('business_key', sa.String(length=255), nullable=True),
    sa.Column('element_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('assignee', sa.String(length=255), nullable=True),
    sa.Column('candidate_users', sa.Text(), nullable=False),
    sa.Column('candidate_groups', sa.Text(), nullable=False),
    sa.Column('due', sa.String(length=64), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instance_id', 'wait_key'),
    sqlite_autoincrement=autoincrement,
    )
    op.create_index('ix_user_tasks_created', 'user_tasks', ['created_at'], unique=False)


def _request_key_scope(columns: list[str], old: str, new: str, autoincrement: bool) -> None:
    """Change the unique constraint of the instances. SQLite rebuilds the table to do it, and cannot drop it
    while user tasks refer to it: their rows wait in a holding table, and user_tasks comes back afterwards
    (with or without AUTOINCREMENT)."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('CREATE TABLE _user_tasks_kept AS SELECT * FROM user_tasks')
        op.drop_table('user_tasks')
    op.drop_index('ix_instances_business_key', table_name='instances')  # partial: made again by hand below
    with op.batch_alter_table('instances') as batch_op:
        batch_op.drop_constraint(old, type_='unique')
        batch_op.create_unique_constraint(new, columns)
    op.create_index('ix_instances_business_key', 'instances', ['business_key'],
                    sqlite_where=HAS_BUSINESS_KEY, postgresql_where=HAS_BUSINESS_KEY)
    if sqlite:
        _user_tasks(autoincrement)
        op.execute('INSERT INTO user_tasks SELECT * FROM _user_tasks_kept')
        op.drop_table('_user_tasks_kept')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _set_autoincrement(True)
    _request_key_scope(['process_key', 'request_key'], 'uq_instances_request_key', 'uq_instances_process_request_key',
                       autoincrement=True)
    op.create_table('ended_tasks',
    sa.Column('task_id', Id, autoincrement=False, nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('ended_by', sa.String(length=255), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('task_id')
    )


def downgrade() -> None:
    op.drop_table('ended_tasks')
    _request_key_scope(['request_key'], 'uq_instances_process_request_key', 'uq_instances_request_key',
                       autoincrement=False)
    if op.get_bind().dialect.name == 'sqlite':
        _set_autoincrement(False)
