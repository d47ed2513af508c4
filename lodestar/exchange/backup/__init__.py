"""Backup and restore of a whole install: every table and every uploaded file in one archive.

`lodestar backup FILE` writes a zip archive; `lodestar restore FILE` loads it into an empty install
(migrated, no data) on SQLite or PostgreSQL, whichever made it.

The archive (format 1):

- ``manifest.json``: the format, the app version, the database vendor it came from, the applied
  migrations per app, and per table its file, columns, row count and checksum; the media files with
  their size and SHA-256.
- ``data/<app>.<model>.jsonl``: one JSON object per row, keys sorted, in dependency order (a table's
  foreign keys point at tables listed before it, cycles aside). Values are database-neutral: decimals
  as strings, datetimes in UTC ISO 8601, JSON fields as JSON.
- ``media/<name>``: the files of the default storage (MEDIA_ROOT under LODESTAR_DATA_DIR).

Why not `dumpdata`/`loaddata`:

- Memory: `dumpdata` streams with `--natural-*`, but `loaddata` deserialises a JSON fixture whole
  (only JSON-lines streams), and both go through `Model.save_base(raw=True)` row by row — slow on a
  2,000-person organisation with years of check-ins and history.
- Consistency: `dumpdata` reads each table in its own query with no snapshot: a check-in written
  meanwhile can land in one table and not the next. Here every table is read in one read
  transaction (REPEATABLE READ on PostgreSQL, a deferred read transaction on SQLite in WAL mode,
  which holds its snapshot without blocking the app's writers).
- Content types and permissions: a fresh `migrate` creates them with ids that need not match the
  source's, so `loaddata` of their ids collides or points at the wrong model; with natural keys it
  works only for models that define them. Here those two tables are written by natural key and
  every foreign key to them is remapped on restore; every other table keeps its ids, so no model
  needs a natural key.
- `loaddata` has no notion of an archive: no uploaded files, no migration check, no checksums, and
  it happily loads into a database that already holds data.

Restore is one transaction (the uploaded files written in it are removed if it fails), refuses a
database with data unless `--force`, refuses an archive whose migrations differ from the code and the
database, verifies each table's count and checksum by reading the rows back, and resets PostgreSQL's
sequences.
"""
