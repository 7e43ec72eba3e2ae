"""Spreadsheet writers that stream: rows go out in chunks as they are read, never a whole
file in memory. Pure helpers (no Flask): CSV with a UTF-8 BOM so Excel detects the
encoding, XLSX through openpyxl's write-only mode into a temporary file that is streamed
and then deleted. Every text cell is defused against formula injection."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import Workbook

BOM = "\ufeff"
# A spreadsheet reads a cell starting with one of these as a formula (or a DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500
FILE_CHUNK = 64 * 1024
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe_cell(value: Any) -> Any:
    """Text that would start a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The BOM and the header row, then the rows, a few hundred per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([safe_cell(name) for name in header])
    pending = 0
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
        pending += 1
        if pending >= ROWS_PER_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "导出"
) -> Iterator[bytes]:
    """A workbook written row by row (write-only) into a temporary file, then streamed;
    the file is deleted when the stream ends or is abandoned."""
    handle, path = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=title)
        sheet.append([safe_cell(name) for name in header])
        for row in rows:
            sheet.append([safe_cell(cell) for cell in row])
        workbook.save(path)
        with open(path, "rb") as stream:
            while chunk := stream.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def chunks(fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str):
    return csv_chunks(header, rows) if fmt == "csv" else xlsx_chunks(header, rows, title)
