"""A SQLite store on a disk that is full: for the tests of what happens when writes fail."""

from __future__ import annotations

import sqlite3

from bot.store import SQLite


class FullDisk(SQLite):
    """SQLite's own SQLITE_FULL: the file may not grow by a single page."""

    def connect(self) -> sqlite3.Connection:
        connection = super().connect()
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection
