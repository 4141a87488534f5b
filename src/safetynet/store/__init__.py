"""Persistence: SQLAlchemy models over one shared declarative base, Alembic migrations, the
unit of work. SQLite is the embedded default, PostgreSQL the production database."""
