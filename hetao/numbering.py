"""Record numbers of the form SERIES-YYYY-NNNNNN (HTDX-2026-000042): unique, consecutive per year,
issued inside the caller's transaction (a rolled-back operation gives its number back)."""

from django.db import connection

from hetao.models import NumberSeries


def next_number(series: str, year: int, *, width: int = 6) -> str:
    """The next number of `series` in `year`; concurrent callers wait for each other on the series row."""
    NumberSeries.objects.get_or_create(series=series, year=year)
    with connection.cursor() as cursor:
        number = reserve(cursor, series, year, 1)
    return f"{series}-{year}-{number:0{width}d}"


def reserve(cursor, series: str, year: int, count: int) -> int:
    """Raise the series by `count` on `cursor` (a Django or a raw psycopg cursor, in the caller's
    transaction; the series row exists); returns the first number reserved. A batch writer numbers
    a chunk of records with one call."""
    cursor.execute(
        f"UPDATE {NumberSeries._meta.db_table} SET last = last + %s WHERE series = %s AND year = %s RETURNING last",
        [count, series, year],
    )
    (last,) = cursor.fetchone()
    return last - count + 1
