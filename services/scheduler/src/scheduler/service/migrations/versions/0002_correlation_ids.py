"""correlation ids on plans and solve jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('plans') as batch:
        batch.add_column(sa.Column('correlation_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('solve_jobs') as batch:
        batch.add_column(sa.Column('correlation_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('solve_jobs') as batch:
        batch.drop_column('correlation_id')
    with op.batch_alter_table('plans') as batch:
        batch.drop_column('correlation_id')
