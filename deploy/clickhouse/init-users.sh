#!/bin/bash
# The pipeline's ClickHouse users (docs/operations.md, "Production security"), created at the first start of
# docker-compose.yml's clickhouse container by the image's entrypoint, as the admin user that replaced the
# password-less `default`. Passwords come from the environment (.env); use letters and digits only
# (e.g. openssl rand -hex 32), they are written into SQL string literals.
set -euo pipefail
sql() { clickhouse client --user "${CLICKHOUSE_USER:?}" --password "${CLICKHOUSE_PASSWORD:?}" --query "$1"; }
for var in CLICKHOUSE_MIGRATOR_PASSWORD CLICKHOUSE_SINK_PASSWORD CLICKHOUSE_ANALYST_PASSWORD; do
  [[ "${!var:?$var is not set}" =~ ^[A-Za-z0-9]+$ ]] || { echo "$var must hold letters and digits only" >&2; exit 1; }
done

# migrator: the schema (./pipeline migrate), nothing outside the iot database.
sql "CREATE USER IF NOT EXISTS migrator IDENTIFIED WITH sha256_password BY '${CLICKHOUSE_MIGRATOR_PASSWORD}'"
sql "GRANT SHOW, SELECT, INSERT, ALTER, CREATE DATABASE, CREATE TABLE, CREATE VIEW, DROP TABLE, DROP VIEW, TRUNCATE, OPTIMIZE ON iot.* TO migrator"

# sink: inserts rows and reads back what it needs (schema version, de-duplication), in iot only.
sql "CREATE USER IF NOT EXISTS sink IDENTIFIED WITH sha256_password BY '${CLICKHOUSE_SINK_PASSWORD}'"
sql "GRANT INSERT, SELECT ON iot.* TO sink"

# analyst: read-only (./pipeline query); readonly=2 still lets a client set query settings such as formats.
sql "CREATE USER IF NOT EXISTS analyst IDENTIFIED WITH sha256_password BY '${CLICKHOUSE_ANALYST_PASSWORD}' SETTINGS readonly = 2"
sql "GRANT SHOW, SELECT ON iot.* TO analyst"
