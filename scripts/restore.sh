#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a database and a media folder.
#
#   DATABASE_URL=postgres://user@host:5432/ccms_restore MEDIA_ROOT=/srv/ccms/media \
#     scripts/restore.sh /backups/ccms-20261121-0300
#
# The database must exist and be empty (createdb ccms_restore); the media folder must be
# empty or missing. Checksums are verified before anything is written. Stop the web and
# worker processes that use the target first.
set -euo pipefail

usage() { echo "usage: DATABASE_URL=postgres://… MEDIA_ROOT=dir $0 BACKUP_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
src="$1"
: "${DATABASE_URL:?DATABASE_URL must name the (empty) PostgreSQL database to restore into}"
: "${MEDIA_ROOT:?MEDIA_ROOT must name the (empty) folder to restore the files into}"
for f in db.dump media.tar.gz SHA256SUMS; do
  [ -f "$src/$f" ] || { echo "restore.sh: $src/$f is missing" >&2; exit 2; }
done
(cd "$src" && sha256sum --check --quiet SHA256SUMS) || {
  echo "restore.sh: checksums do not match, the backup is damaged" >&2; exit 1; }
if [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
  echo "restore.sh: $MEDIA_ROOT is not empty" >&2; exit 2
fi
tables=$(psql --dbname="$DATABASE_URL" --tuples-only --no-align --command \
  "select count(*) from pg_tables where schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database is not empty ($tables tables)" >&2; exit 2
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$src/db.dump"
mkdir -p "$MEDIA_ROOT"
tar --extract --gzip --file="$src/media.tar.gz" --directory="$MEDIA_ROOT"
echo "restored $src into the database and $MEDIA_ROOT"
