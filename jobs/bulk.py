"""Writing thousands of rows at once without a model instance and compiled SQL per row:
PostgreSQL's COPY, and a plain INSERT of value tuples on the other databases.

Through `bulk_create` a row costs a model instance, its values prepared field by field and
its share of one large compiled INSERT; for the copied-report index (840,000 rows) that was
two thirds of the whole job. The values given here must already be what the column stores:
ids, text, numbers, dates, bytes (no JSON objects, no files)."""

from contextlib import contextmanager

from django.db import connection


def _names(columns):
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


@contextmanager
def copy_into(model, columns):
    """PostgreSQL's COPY into the model's table: rows written with `write_row` (plain values
    in the order of `columns`) or as text lines with `write`."""
    with connection.cursor() as cursor, cursor.copy(
            f"COPY {_table(model)} ({_names(columns)}) FROM STDIN") as copy:
        yield copy


def reserve_ids(model, count):
    """`count` fresh ids from the table's id sequence (PostgreSQL), for rows sent by COPY
    that other rows point at."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                       "FROM generate_series(1, %s)", [model._meta.db_table, count])
        return [row[0] for row in cursor.fetchall()]


def insert_rows(model, columns, rows):
    """Insert `rows` (tuples of plain values in the order of `columns`) into the model's
    table: COPY on PostgreSQL, one prepared INSERT run over all the rows elsewhere."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor == "postgresql":
        with copy_into(model, columns) as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {_table(model)} ({_names(columns)}) VALUES ({marks})",
                           rows)
