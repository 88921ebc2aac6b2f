"""buffer messages published with a time to live that no instance waits for yet (as Zeebe does)

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'buffered_messages',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True, autoincrement=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('correlation_key', sa.String(255), nullable=True),
        sa.Column('message_id', sa.String(255), nullable=True),
        sa.Column('variables', sa.Text(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_to', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True)
    op.create_index('ix_buffered_messages_lookup', 'buffered_messages', ['name', 'correlation_key'])
    op.create_index('ix_buffered_messages_expires', 'buffered_messages', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_buffered_messages_expires', table_name='buffered_messages')
    op.drop_index('ix_buffered_messages_lookup', table_name='buffered_messages')
    op.drop_table('buffered_messages')
