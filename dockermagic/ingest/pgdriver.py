"""The loader's few calls to Postgres, for both drivers: psycopg2 and psycopg 3.

psycopg2 is dockermagic's own driver (a server, a URL). A psycopg 3 connection, or a SQLAlchemy
engine on psycopg 3 (what SQLAlchemy 2.1 makes of the course's bare ``postgresql://`` URL), is used
as it comes rather than reopened with psycopg2: the load then runs on the caller's own connection.
The two differ where the loader needs them: COPY (psycopg2 reads a file object with
``copy_expert``; psycopg 3 is written to through ``cursor.copy()``), ``with conn`` (psycopg2 ends
the transaction; psycopg 3 closes the connection) and batch inserts (``execute_values`` is psycopg2's).
"""
from __future__ import annotations

import contextlib
from types import ModuleType


def is_psycopg3(conn) -> bool:
    """True for a psycopg 3 connection (or cursor)."""
    return type(conn).__module__.split(".")[0] == "psycopg"


def driver(conn) -> ModuleType:
    """The driver module a connection belongs to, with its ``errors`` and ``sql`` submodules loaded:
    ``driver(conn).DataError``, ``driver(conn).errors.UndefinedColumn``, ``driver(conn).sql``."""
    if is_psycopg3(conn):
        import psycopg
        import psycopg.errors
        import psycopg.sql

        return psycopg
    import psycopg2
    import psycopg2.errors
    import psycopg2.sql

    return psycopg2


def connect_errors() -> tuple[type[BaseException], ...]:
    """OperationalError of each installed driver: what a refused or lost connection raises."""
    found = []
    for name in ("psycopg2", "psycopg"):
        try:
            found.append(__import__(name).OperationalError)
        except ImportError:
            pass
    return tuple(found)


def connect(dsn: str, like=None):
    """A new connection to ``dsn`` through the driver of ``like`` (psycopg2 when None)."""
    return driver(like).connect(dsn)


@contextlib.contextmanager
def transaction(conn):
    """psycopg2's ``with conn`` for both drivers: commit at the end, roll back on any exception (a
    connection already lost is left alone, so the original error is the one raised); the connection
    stays open."""
    try:
        yield conn
    except BaseException:
        if not conn.closed:
            try:
                conn.rollback()
            except driver(conn).Error:
                pass
        raise
    conn.commit()


def copy_from(cur, statement: str, stream, size: int) -> int:
    """Run ``COPY … FROM STDIN`` reading ``stream`` in pieces of ``size`` bytes; rows Postgres took."""
    if is_psycopg3(cur):
        with cur.copy(statement) as copy:
            while data := stream.read(size):
                copy.write(data)
    else:
        cur.copy_expert(statement, stream, size=size)
    return cur.rowcount


def insert_rows(cur, head: str, rows: list[tuple]) -> None:
    """``head`` (``INSERT INTO t (a, b) VALUES``) for many rows: psycopg2's execute_values, psycopg 3's
    executemany (which pipelines the rows)."""
    if not rows:
        return
    if is_psycopg3(cur):
        cur.executemany(head + " (" + ", ".join(["%s"] * len(rows[0])) + ")", rows)
    else:
        from psycopg2.extras import execute_values

        execute_values(cur, head + " %s", rows)
