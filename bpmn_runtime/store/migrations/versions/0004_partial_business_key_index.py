"""index only the instances that have a business key: the others cost every start an index page write

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

HAS_BUSINESS_KEY = sa.text('business_key IS NOT NULL')


def upgrade() -> None:
    op.drop_index('ix_instances_business_key', table_name='instances')
    op.create_index('ix_instances_business_key', 'instances', ['business_key'],
                    sqlite_where=HAS_BUSINESS_KEY, postgresql_where=HAS_BUSINESS_KEY)


def downgrade() -> None:
    op.drop_index('ix_instances_business_key', table_name='instances')
    op.create_index('ix_instances_business_key', 'instances', ['business_key'])
