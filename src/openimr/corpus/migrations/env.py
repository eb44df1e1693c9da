"""Alembic environment of the corpus: migrations run on the connection `openimr.corpus.store.upgrade` hands over, and
record themselves in their own version table, apart from the case store's."""

from __future__ import annotations

from alembic import context

from openimr.corpus.store import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
