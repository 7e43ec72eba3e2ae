"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from miniapp_api.storage import db, render_item


def test_models_and_migrations_agree(app_ctx):
    """After `upgrade` from empty (session fixture) autogenerate finds nothing to do."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": True, "render_item": render_item},
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_table_exists(app_ctx):
    """Each model table was created by the migrations."""
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables
