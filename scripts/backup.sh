#!/usr/bin/env bash
# Back up the platform: the PostgreSQL database (pg_dump custom format) and the media files
# (evidence photos, documents, reports) as one folder with checksums.
#
#   DATABASE_URL=postgres://user@host:5432/ccms MEDIA_ROOT=/srv/ccms/media \
#     scripts/backup.sh /backups/ccms-$(date +%Y%m%d-%H%M)
#
# The folder gets db.dump, media.tar.gz and SHA256SUMS. The database is dumped in one
# snapshot while the site keeps running; take the media right after it, so every file the
# dump names is in the archive (uploads never delete or overwrite files).
set -euo pipefail

usage() { echo "usage: DATABASE_URL=postgres://… MEDIA_ROOT=dir $0 OUT_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
out="$1"
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
media="${MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/var/media}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL is not PostgreSQL; for the embedded SQLite setup copy var/ while the site is stopped" >&2; exit 2 ;;
esac
[ -d "$media" ] || { echo "backup.sh: media folder $media does not exist" >&2; exit 2; }
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  echo "backup.sh: $out exists and is not empty" >&2; exit 2
fi
mkdir -p "$out"

pg_dump --format=custom --no-owner --no-privileges --file="$out/db.dump" --dbname="$DATABASE_URL"
tar --create --gzip --file="$out/media.tar.gz" --directory="$media" .
(cd "$out" && sha256sum db.dump media.tar.gz > SHA256SUMS)
echo "backup written to $out ($(du -sh "$out" | cut -f1))"
