"""recorded absences (no-shows) on attendance

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('attendance') as batch:
        batch.add_column(sa.Column('absent_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('absent_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('absent_reason', sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('attendance') as batch:
        batch.drop_column('absent_reason')
        batch.drop_column('absent_by')
        batch.drop_column('absent_at')
