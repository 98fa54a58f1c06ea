"""DuckDB connections with the limits the administrator sets, shared by every DuckDB producer.

DuckDB spills sorts, joins and groupings to its temporary folder once a query passes the memory
limit, so a table larger than memory is read in pieces instead of failing. The limit defaults to
2.5 GB (the budget keeps a run's peak under 4 GB with Python's own share, about 1 GB); set
``SYNTHLENS_DUCKDB_MEMORY`` (``"8GB"``), ``SYNTHLENS_DUCKDB_THREADS`` and
``SYNTHLENS_DUCKDB_TEMP`` (a folder; DuckDB's own default otherwise) to change them.
"""

from __future__ import annotations

import os

import duckdb

DEFAULT_MEMORY = "2500MB"


def connect() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection: UTC, the memory limit, and the spill folder if set."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": os.environ.get("SYNTHLENS_DUCKDB_MEMORY") or DEFAULT_MEMORY
    }
    threads = os.environ.get("SYNTHLENS_DUCKDB_THREADS")
    if threads:
        config["threads"] = threads
    temp = os.environ.get("SYNTHLENS_DUCKDB_TEMP")
    if temp:
        config["temp_directory"] = temp
    con = duckdb.connect(config=config)
    con.execute("SET TimeZone = 'UTC'")
    return con


__all__ = ["connect"]
