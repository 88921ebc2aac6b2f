"""audit trail (append-only, guarded by triggers), process permissions, topics an API token may fetch

The audit log refuses changes in the database itself, on SQLite and PostgreSQL alike:
- UPDATE only when every column but `detail` stays as it was and the new detail is a ciphertext
  (`rotate-key` seals an entry's detail again with the new key; only a key holder can make one that opens);
- DELETE only of entries up to the id in the setting `audit_purged_through`, which the history-retention
  cleanup raises (`runtime.audit.purge_audit_before`) before it deletes;
- TRUNCATE (PostgreSQL) never.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
KEPT = ('at', 'actor', 'via', 'action', 'process_key', 'instance_id', 'task_id')
PURGED_THROUGH = "(SELECT CAST(value AS BIGINT) FROM settings WHERE name = 'audit_purged_through')"

POSTGRES_GUARD = f"""
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.id = OLD.id AND {' AND '.join(f'NEW.{c} IS NOT DISTINCT FROM OLD.{c}' for c in KEPT)}
       AND NEW.detail LIKE 'enc:v1:%' THEN
      RETURN NEW;
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    IF OLD.id <= COALESCE({PURGED_THROUGH}, 0) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only: % of audit entries is refused', TG_OP;
END
$$
"""
SQLITE_GUARDS = (
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    WHEN NEW.id IS NOT OLD.id OR {' OR '.join(f'NEW.{c} IS NOT OLD.{c}' for c in KEPT)}
         OR NEW.detail IS NULL OR NEW.detail NOT LIKE 'enc:v1:%'
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE of audit entries is refused'); END""",
    f"""CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    WHEN OLD.id > COALESCE({PURGED_THROUGH.replace('BIGINT', 'INTEGER')}, 0)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE of audit entries is refused'); END""",
)


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('via', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('process_key', sa.String(length=255), nullable=True),
    sa.Column('instance_id', sa.BigInteger(), nullable=True),
    sa.Column('task_id', sa.BigInteger(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
    op.create_index('ix_audit_log_instance', 'audit_log', ['instance_id', 'id'], unique=False)
    op.create_index('ix_audit_log_actor', 'audit_log', ['actor', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_GUARD)
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
    else:
        for guard in SQLITE_GUARDS:
            op.execute(guard)
    op.create_table('process_permissions',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('process_key', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('principal_type', sa.String(length=10), nullable=False),
    sa.Column('principal', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('process_key', 'kind', 'principal_type', 'principal', 'source', name='uq_process_permissions'),
    )
    op.create_index('ix_process_permissions_lookup', 'process_permissions', ['kind', 'principal_type', 'principal'],
                    unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_token_topics', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('api_token_topics')
    op.drop_index('ix_process_permissions_lookup', table_name='process_permissions')
    op.drop_table('process_permissions')
    op.drop_table('audit_log')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.execute("DELETE FROM settings WHERE name = 'audit_purged_through'")
