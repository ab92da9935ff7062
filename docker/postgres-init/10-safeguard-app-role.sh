#!/bin/sh
# The application's own PostgreSQL role (README, "Reports and the audit log").
#
# The postgres image runs this once, when the db service first creates its database; the owner of
# the tables is POSTGRES_USER, which `manage.py migrate` connects as. The application connects as
# this role instead, which `migrate` then grants every right on the tables except the audit
# tables, where it may only read and add rows. On a database made before this script existed, run
# it by hand: docker compose exec db sh /docker-entrypoint-initdb.d/10-safeguard-app-role.sh
# It is safe to run again: it (re)sets the role's password and keeps it an ordinary role.
set -eu

: "${SAFEGUARD_DB_APP_PASSWORD:?set SAFEGUARD_DB_APP_PASSWORD in .env}"
role="${SAFEGUARD_DATABASE_APP_ROLE:-safeguard_app}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_role="$role" -v app_password="$SAFEGUARD_DB_APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
              :'app_role', :'app_password') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app_role') \gexec
SQL
echo "Safeguard: the application role $role is ready; manage.py migrate grants it its rights."
