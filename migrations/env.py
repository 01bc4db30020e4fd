"""Alembic environment, run through Flask-Migrate (`flask db upgrade`)."""

import logging

from alembic import context
from flask import current_app

config = context.config
# The application has already configured logging (with its redacting filter); do not replace it.
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)
target_db = current_app.extensions["migrate"].db


def get_metadata():
    return target_db.metadata


def run_migrations_offline():
    """Emit SQL for a database we cannot reach."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=get_metadata(),
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Apply migrations over a connection of the application's engine."""

    def process_revision_directives(context, revision, directives):
        # `flask db migrate` with no change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    def render_item(type_, obj, autogen_context):
        # Migrations must not import application code: the UTC column is a plain timestamp.
        if type_ == "type" and type(obj).__name__ == "UTCDateTime":
            return "sa.DateTime(timezone=True)"
        return False

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("render_item", render_item)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    with get_engine().connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            # SQLite batch migrations copy tables; foreign keys are checked after, not during.
            # The pragma must run outside a transaction, so it goes to the driver connection.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()
        if is_sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.commit()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
            if problems:
                raise RuntimeError(f"migration left {len(problems)} broken foreign keys")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
