#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to date (idempotent), with
# the temporal-sql-tool and schema files that the admin-tools image carries.
set -eu
SCHEMA=/etc/temporal/schema/postgresql/v12
for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=${pair#*:}
  tool="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -u temporal -p 5432 --db ${db}"
  $tool create-database || true
  $tool setup-schema -v 0.0 || true
  $tool update-schema -d "${SCHEMA}/${dir}/versioned"
done
