"""Record numbers of the form SERIES-YYYY-NNNNNN (HTDX-2026-000042): unique, consecutive per year,
issued inside the caller's transaction (a rolled-back operation gives its number back)."""

from django.db import connection

from hetao.models import NumberSeries


def next_number(series: str, year: int, *, width: int = 6) -> str:
    """The next number of `series` in `year`; concurrent callers wait for each other on the series row."""
    NumberSeries.objects.get_or_create(series=series, year=year)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {NumberSeries._meta.db_table} SET last = last + 1 WHERE series = %s AND year = %s RETURNING last",
            [series, year],
        )
        (number,) = cursor.fetchone()
    return f"{series}-{year}-{number:0{width}d}"


def reserve_numbers(series: str, year: int, count: int) -> int:
    """Reserve `count` consecutive numbers of `series` in `year` at once; returns the first. For
    set-based writers (batch imports) that number their records in SQL."""
    NumberSeries.objects.get_or_create(series=series, year=year)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {NumberSeries._meta.db_table} SET last = last + %s WHERE series = %s AND year = %s RETURNING last",
            [count, series, year],
        )
        (last,) = cursor.fetchone()
    return last - count + 1
