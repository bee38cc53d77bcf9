-- Runs once, when the PostgreSQL container starts on an empty data directory
-- (/docker-entrypoint-initdb.d). One server, one database per service; each service's
-- `migrate` command creates its tables (Alembic).
-- The owner is POSTGRES_USER (linli). For separate roles per service, create them here and
-- change the *_DATABASE_URL values to match.
CREATE DATABASE linli_registry;
CREATE DATABASE linli_scheduler;
CREATE DATABASE linli_notifier;
