"""lists stay fast at a million instances: an index of the ids of each status (a status's newest first without
reading the others), the id after process and status, the claimed tasks' assignee for the inbox; on
PostgreSQL, trigram indexes for what is searched by `contains` (business key, candidate users and groups)

Revision ID: 0014
Revises: 0013
"""
import logging

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

log = logging.getLogger("bpmn_runtime")
STATUSES = ('active', 'completed', 'terminated', 'failed', 'cancelled')
# name -> (table, indexed expression, which rows): the expressions exactly as the queries write them, so the
# planner matches them (and keeps statistics of them: it then knows how many tasks a group is offered). As
# for the B-tree index, an instance without a business key costs its start no index entry.
TRIGRAM = {'ix_instances_business_key_trgm': ('instances', 'business_key', ' WHERE business_key IS NOT NULL'),
           'ix_user_tasks_candidate_users_trgm': ('user_tasks', "(',' || candidate_users || ',')", ''),
           'ix_user_tasks_candidate_groups_trgm': ('user_tasks', "(',' || candidate_groups || ',')", '')}


def upgrade() -> None:
    for status in STATUSES:
        where = sa.text(f"status = '{status}'")
        op.create_index(f'ix_instances_{status}', 'instances', ['id'], sqlite_where=where, postgresql_where=where)
    op.drop_index('ix_instances_process_status', table_name='instances')
    op.create_index('ix_instances_process_status', 'instances', ['process_key', 'status', 'id'])
    # Only the claimed tasks: SQLite would otherwise read the unclaimed ones through it (`assignee IS NULL`),
    # all of them, instead of the newest by their creation until a page is full.
    assigned = sa.text('assignee IS NOT NULL')
    op.create_index('ix_user_tasks_assignee', 'user_tasks', ['assignee'], sqlite_where=assigned,
                    postgresql_where=assigned)
    if op.get_bind().dialect.name == 'postgresql':
        _trigram_indexes()


def _trigram_indexes() -> None:
    """pg_trgm ships with PostgreSQL and is a trusted extension, but a server may lack it or a role may not be
    allowed to create it: then searches by part of a key still work, reading every row, and the log says how
    to add the indexes later."""
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        statements = '; '.join(_create(name) for name in TRIGRAM)
        log.warning('The PostgreSQL extension pg_trgm could not be created (%s): searching by part of a business '
                    'key or by candidate group reads every row. A database owner can run CREATE EXTENSION '
                    'pg_trgm; %s', str(error.orig).strip(), statements)
        return
    savepoint.commit()
    for name in TRIGRAM:
        op.execute(_create(name))


def _create(name: str) -> str:
    table, expression, rows = TRIGRAM[name]
    return f'CREATE INDEX {name} ON {table} USING gin ({expression} gin_trgm_ops){rows}'


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in TRIGRAM:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    op.drop_index('ix_user_tasks_assignee', table_name='user_tasks')
    op.drop_index('ix_instances_process_status', table_name='instances')
    op.create_index('ix_instances_process_status', 'instances', ['process_key', 'status'])
    for status in STATUSES:
        op.drop_index(f'ix_instances_{status}', table_name='instances')
