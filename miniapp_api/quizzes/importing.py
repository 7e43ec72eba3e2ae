"""Reading a question bank spreadsheet (CSV or XLSX) into plain rows. No Flask.

One question per row under a header row. Headers may be English or Chinese (see
README, Quizzes): id/题目编号, category/诈骗类型, type/题型, stem/题干,
option_a…option_f/选项A…选项F, answer/答案, explanation/解析, article/关联文章.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError, iterparse

from miniapp_api.quizzes.checks import MULTIPLE, OPTION_KEYS, SINGLE, TRUE_FALSE

MAX_ROWS = 2000
# An XLSX is a zip of XML parts: checked while streaming, before openpyxl reads it, so a
# small upload that unpacks to gigabytes (or to millions of tiny cells or strings) is
# refused after reading at most MAX_UNPACKED_BYTES.
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
MAX_CELLS = 60_000  # 2,000 rows of 30 columns
MAX_SHARED_STRINGS = 60_000
MAX_CELL_CHARS = 5_000
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "key", "编号", "题目编号", "题号"),
    "category": ("category", "诈骗类型", "类型", "分类"),
    "type": ("type", "题型"),
    "stem": ("stem", "题干", "题目"),
    **{f"option_{key}": (f"option_{key}", key, f"选项{key}", f"选项 {key}") for key in OPTION_KEYS},
    "answer": ("answer", "答案", "正确答案"),
    "explanation": ("explanation", "解析", "答案解析"),
    "article": ("article", "关联文章", "文章"),
}
REQUIRED_HEADERS = ("category", "type", "stem", "answer", "explanation")
TYPES = {
    "single": SINGLE,
    "单选": SINGLE,
    "单选题": SINGLE,
    "multiple": MULTIPLE,
    "多选": MULTIPLE,
    "多选题": MULTIPLE,
    "true_false": TRUE_FALSE,
    "判断": TRUE_FALSE,
    "判断题": TRUE_FALSE,
}
TRUE_FALSE_ANSWERS = {"正确": "a", "对": "a", "√": "a", "错误": "b", "错": "b", "×": "b"}
SEPARATORS = re.compile(r"[\s,，、;；/]+")


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (format, header); the message is Chinese."""


@dataclass
class ImportRow:
    number: int  # the spreadsheet's row number (the header is row 1)
    values: dict[str, str]
    problems: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, column: str, message: str) -> None:
        self.problems.setdefault(column, []).append(message)


def read_rows(filename: str, data: bytes) -> list[ImportRow]:
    """The data rows of a .csv (UTF-8, with or without BOM, or GB18030 as Excel saves
    it in China) or .xlsx file, keyed by our column names; blank rows are skipped."""
    name = filename.lower()
    if name.endswith(".csv"):
        table = _csv_table(data)
    elif name.endswith(".xlsx"):
        table = _xlsx_table(data)
    else:
        raise SpreadsheetError("只支持 .csv 或 .xlsx 文件")
    if not table:
        raise SpreadsheetError("文件是空的")
    columns = _columns(table[0])
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {column: _cell(cells, index) for index, column in columns.items()}
        if any(values.values()):
            rows.append(_checked(ImportRow(number, values)))
    if not rows:
        raise SpreadsheetError("文件里没有题目")
    if len(rows) > MAX_ROWS:
        raise SpreadsheetError(f"一次最多导入 {MAX_ROWS} 道题")
    return rows


def _csv_table(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise SpreadsheetError("无法识别文件编码，请保存为 UTF-8 的 CSV") from exc
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise SpreadsheetError(f"CSV 格式有误：{exc}") from exc


def _checked(row: ImportRow) -> ImportRow:
    """A NUL never reaches the database (PostgreSQL refuses it in text)."""
    for column, value in row.values.items():
        if "\x00" in value:
            row.values[column] = value.replace("\x00", "")
            row.problem(column, "含有不允许的控制字符（NUL）")
    return row


class _Budget:
    """What an archive may unpack to, spent while its parts are read."""

    def __init__(self, limit: int):
        self.left = limit

    def reader(self, part):
        budget = self

        class Capped:
            def read(self, size: int = 65536) -> bytes:
                chunk = part.read(min(size if size > 0 else 65536, 65536))
                budget.left -= len(chunk)
                if budget.left < 0:
                    raise SpreadsheetError("XLSX 文件解压后过大，请删除多余内容后重新上传")
                return chunk

        return Capped()


def _check_xlsx(data: bytes) -> None:
    """Stream every part of the archive within the unpacked budget, counting the cells
    of the sheets and the length and number of the shared strings."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SpreadsheetError("无法读取 XLSX 文件") from exc
    budget = _Budget(MAX_UNPACKED_BYTES)
    with archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise SpreadsheetError("XLSX 文件解压后过大，请删除多余内容后重新上传")
        try:
            for info in archive.infolist():
                with archive.open(info) as part:
                    _check_part(info.filename, budget.reader(part))
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise SpreadsheetError("无法读取 XLSX 文件") from exc


def _check_part(name: str, stream) -> None:
    counted, limit = _counted_element(name)
    if counted is None:
        while stream.read():
            pass
        return
    count = 0
    try:
        for _event, element in iterparse(stream, events=("end",)):
            if element.tag.rsplit("}", 1)[-1] == counted:
                count += 1
                if count > limit:
                    raise SpreadsheetError(f"XLSX 文件内容过多（超过 {limit} 个单元格或文字）")
            if element.text and len(element.text) > MAX_CELL_CHARS:
                raise SpreadsheetError(f"XLSX 单元格文字过长（超过 {MAX_CELL_CHARS} 字）")
            element.clear()
    except ParseError as exc:
        raise SpreadsheetError("无法读取 XLSX 文件") from exc


def _counted_element(name: str) -> tuple[str | None, int]:
    if name == "xl/sharedStrings.xml":
        return "si", MAX_SHARED_STRINGS
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return "c", MAX_CELLS
    return None, 0


def _xlsx_table(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    _check_xlsx(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # style warnings of files made by other programs
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        table = []
        for cells in sheet.iter_rows(values_only=True):
            table.append([_text(value) for value in cells])
            if len(table) > MAX_ROWS + 1:
                break
        workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError) as exc:
        raise SpreadsheetError("无法读取 XLSX 文件") from exc
    return table


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _columns(header: list[str]) -> dict[int, str]:
    lookup = {alias.lower(): column for column, aliases in HEADERS.items() for alias in aliases}
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        column = lookup.get(title.strip().lower())
        if column is not None and column not in columns.values():
            columns[index] = column
    missing = [column for column in REQUIRED_HEADERS if column not in columns.values()]
    if missing:
        raise SpreadsheetError(f"表头缺少列：{', '.join(missing)}")
    return columns


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def question_type(value: str) -> str | None:
    return TYPES.get(value.strip().lower())


def options_of(row: ImportRow, kind: str | None) -> list[tuple[str, str]]:
    """The (key, text) options in a–f order; true/false may leave them blank. A blank
    option followed by a filled one is a problem of the row."""
    texts = [(key, row.values.get(f"option_{key}", "")) for key in OPTION_KEYS]
    if kind == TRUE_FALSE and not any(text for _, text in texts):
        return [("a", "正确"), ("b", "错误")]
    last = max((i for i, (_, text) in enumerate(texts) if text), default=-1)
    gaps = [key.upper() for key, text in texts[:last] if not text]
    if gaps:
        row.problem("options", f"选项 {', '.join(gaps)} 为空，但后面还有选项")
    return [(key, text) for key, text in texts[: last + 1] if text]


def answer_of(value: str, kind: str | None) -> list[str]:
    """Answer keys from "B", "A,C", "ACD", "a、c" or, for true/false, 正确/错误/对/错."""
    value = value.strip()
    if kind == TRUE_FALSE and value in TRUE_FALSE_ANSWERS:
        return [TRUE_FALSE_ANSWERS[value]]
    parts = [part for part in SEPARATORS.split(value) if part]
    if len(parts) == 1 and parts[0].isalpha() and parts[0].isascii():
        parts = list(parts[0])
    return [part.lower() for part in parts]
