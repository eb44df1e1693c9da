"""Tokens with expiry, revocation and last use; the hash-chained audit log.

Each user's existing token moves to `tokens` (no expiry, as it was). Existing audit entries are numbered in id order
and chained (`openimr.cases.audit`); `audit_head` holds the chain's head.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from openimr.cases.audit import GENESIS, entry_hash

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    bind = op.get_bind()
    existing = bind.execute(sa.text("SELECT id, token_hash, created_at FROM users")).all()
    with op.batch_alter_table("users") as batch:  # before `tokens` refers to users: SQLite rebuilds the table
        batch.drop_column("token_hash")
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])
    if existing:
        bind.execute(
            sa.text(
                "INSERT INTO tokens (user_id, token_hash, label, created_at, created_by) "
                "VALUES (:id, :token_hash, 'first token', :created_at, 'migration 0003')"
            ),
            [{"id": r.id, "token_hash": r.token_hash, "created_at": r.created_at} for r in existing],
        )

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    _lift_audit_triggers(postgres)
    op.add_column("audit_log", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("hash", sa.String(length=64), nullable=True))
    seq, head = _chain_existing_entries()
    op.get_bind().execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :seq, :hash)"), {"seq": seq, "hash": head})
    with op.batch_alter_table("audit_log") as batch:  # SQLite rebuilds the table (its triggers are restored below)
        for column, kind in (("seq", sa.Integer()), ("prev_hash", sa.String(length=64)), ("hash", sa.String(length=64))):
            batch.alter_column(column, existing_type=kind, nullable=False)
    op.create_index("ix_audit_log_seq", "audit_log", ["seq"], unique=True)
    _restore_audit_triggers(postgres)


def _lift_audit_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{event}")


def _restore_audit_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'openimr: audit_log is append-only'); END"
        )


def _chain_existing_entries() -> tuple[int, str]:
    """Number and chain the entries already written (the append-only triggers lifted); the head's seq and hash."""
    bind = op.get_bind()
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("case_id", sa.Integer()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
    )
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).all()
    if not rows:
        return 0, GENESIS
    prev = GENESIS
    for seq, row in enumerate(rows, start=1):
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
        digest = entry_hash(prev, seq, row.case_id, at, row.actor, row.action, row.before, row.after)
        bind.execute(
            sa.text("UPDATE audit_log SET seq = :seq, prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"seq": seq, "prev": prev, "hash": digest, "id": row.id},
        )
        prev = digest
    return len(rows), prev


def downgrade() -> None:
    """Revert: the chain columns go; each user keeps their newest unrevoked token."""
    op.drop_index("ix_audit_log_seq", "audit_log")
    for column in ("hash", "prev_hash", "seq"):
        op.drop_column("audit_log", column)
    op.drop_table("audit_head")
    op.add_column("users", sa.Column("token_hash", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE users SET token_hash = (SELECT t.token_hash FROM tokens t WHERE t.user_id = users.id "
        "AND t.revoked_at IS NULL ORDER BY t.id DESC LIMIT 1)"
    )
    op.drop_table("tokens")
