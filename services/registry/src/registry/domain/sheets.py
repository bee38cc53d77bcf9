"""Reading and writing one-header-row spreadsheets (.xlsx, and .csv in UTF-8 or GBK).

The layout-independent half of :mod:`registry.domain.tabular`: file decoding, header checks,
per-row error collection and writing. Row numbers are Excel's (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from .cells import CellError

Fmt = Literal["xlsx", "csv"]


@dataclass(frozen=True)
class RowError:
    """One problem in a sheet: Excel row number (header = 1), column header, reason (zh-CN)."""

    row: int
    column: str
    reason: str
    reason_en: str = ""


@dataclass(frozen=True)
class TableResult:
    """Rows read without error (model field names) and every problem found."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the sheet had no errors at all."""
        return not self.errors


# --- reading files ----------------------------------------------------------------------------


class FileProblem(Exception):
    """The file as a whole cannot be read."""

    def __init__(self, reason: str, reason_en: str) -> None:
        self.reason = reason
        self.reason_en = reason_en
        super().__init__(reason)


def cell_text(value: Any) -> str:
    """A workbook cell's value as the text a coordinator would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def decode_csv(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 with or without BOM, else GBK (read as GB18030)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, so it reads all three.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileProblem(
            "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx 文件",
            "unknown text encoding: save as UTF-8 or GBK CSV, or as .xlsx",
        ) from None


def read_grid(data: bytes, filename: str) -> list[list[str]]:
    """All rows of the first sheet (xlsx) or of the CSV as lists of stripped text."""
    name = filename.lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        import openpyxl

        try:
            with warnings.catch_warnings():
                # openpyxl warns about styles and extensions it ignores; irrelevant here.
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise FileProblem(
                "无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式（.xls 请另存为 .xlsx）",
                f"cannot read the Excel file ({type(exc).__name__}); save .xls as .xlsx",
            ) from None
        try:
            ws = wb.worksheets[0]
            grid = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
        return grid
    if name.endswith(".xls"):
        raise FileProblem(
            "不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx 或 CSV",
            "old .xls files are not supported: save as .xlsx or CSV",
        )
    text = decode_csv(data)
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]


def load_rows(
    data: bytes,
    filename: str,
    columns: Mapping[str, str],
    required: Iterable[str],
    errors: list[RowError],
) -> list[tuple[int, dict[str, str]]] | None:
    """Rows as (excel_row, {header: text}) or None when the file or header is unusable."""
    try:
        grid = read_grid(data, filename) if data else []
    except FileProblem as exc:
        errors.append(RowError(1, "", exc.reason, exc.reason_en))
        return None
    while grid and not any(grid[-1]):
        grid.pop()
    if not grid:
        errors.append(RowError(1, "", "文件为空：第 1 行应为表头", "the file is empty"))
        return None
    header = [h.strip().lstrip("\ufeff") for h in grid[0]]
    while header and not header[-1]:
        header.pop()
    fatal = False
    seen: set[str] = set()
    for h in header:
        if not h:
            errors.append(RowError(1, "", "表头有空白列", "a header cell is blank"))
        elif h not in columns:
            errors.append(RowError(1, h, f"未知列：{h}", f"unknown column {h!r}"))
        elif h in seen:
            errors.append(RowError(1, h, f"列重复：{h}", f"duplicate column {h!r}"))
            fatal = True
        seen.add(h)
    for h in required:
        if h not in seen:
            errors.append(RowError(1, h, f"缺少必填列：{h}", f"missing required column {h!r}"))
            fatal = True
    if fatal:
        return None
    rows = []
    for i, raw in enumerate(grid[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        cells = {h: (raw[j].strip() if j < len(raw) else "") for j, h in enumerate(header)}
        rows.append((i, {h: v for h, v in cells.items() if h in columns}))
    if not rows:
        errors.append(RowError(2, "", "表格没有数据行", "the sheet has no data rows"))
    return rows


class RowReader:
    """Collects one row's values and errors."""

    def __init__(self, number: int, cells: Mapping[str, str], errors: list[RowError]) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors
        self.bad = False

    def text(self, header: str) -> str:
        """The cell's raw text, empty when the column is absent."""
        return self.cells.get(header, "")

    def error(self, header: str, reason: str, reason_en: str) -> None:
        """Record a problem with this row's ``header`` cell."""
        self.errors.append(RowError(self.number, header, reason, reason_en))
        self.bad = True

    def get(self, header: str, parse: Callable[[str], Any], default: Any = None) -> Any:
        """Parse the cell; empty gives ``default``; errors are recorded and give ``default``."""
        t = self.text(header)
        if not t:
            return default
        try:
            return parse(t)
        except CellError as exc:
            self.error(header, exc.reason, exc.reason_en)
            return default

    def required(self, header: str, parse: Callable[[str], Any]) -> Any:
        """Like :meth:`get`, but an empty cell is an error."""
        if not self.text(header):
            self.error(header, f"{header}不能为空", f"{header} is required")
            return None
        return self.get(header, parse)


def lookup(mapping: Mapping[str, Any], what: str, what_en: str) -> Callable[[str], Any]:
    """A parser that resolves a name or code through ``mapping``."""

    def parse(text: str) -> Any:
        if text in mapping:
            return mapping[text]
        raise CellError(f"未知{what}：{text}", f"unknown {what_en} {text!r}")

    return parse


def choice(mapping: Mapping[str, Any], header: str) -> Callable[[str], Any]:
    """A parser for a fixed set of values, listing the Chinese options when wrong."""

    def parse(text: str) -> Any:
        if text in mapping:
            return mapping[text]
        options = "、".join(k for k in mapping if not k.isascii())
        raise CellError(
            f"{header}取值无效：“{text}”，可选：{options}", f"invalid {header} value {text!r}"
        )

    return parse


def num_text(v: Any) -> str:
    """A value as CSV text (None → empty); floats keep their shortest exact form."""
    return "" if v is None else str(v)


# --- writing files ----------------------------------------------------------------------------


def write_table(
    header: list[str],
    rows: list[dict[str, Any]],
    fmt: Fmt,
    title: str,
    text_columns: Collection[str] = (),
) -> bytes:
    """Write a header row and ``rows`` ({header: value}) as xlsx or csv (UTF-8 with BOM)."""
    if fmt == "csv":
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        for row in rows:
            w.writerow([num_text(row.get(h)) for h in header])
        # BOM so Excel opens the file as UTF-8 instead of guessing GBK.
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}: use xlsx or csv")
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell_value(v: Any) -> Any:
        # Control characters cannot be stored in a worksheet; a stray one in a name must
        # not make the whole export fail.
        return ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        values = []
        for h in header:
            v = row.get(h)
            values.append("" if v is None else v)
        ws.append([cell_value(v) if v != "" else None for v in values])
    for col, h in enumerate(header, start=1):
        if h in text_columns:
            for cells in ws.iter_cols(min_col=col, max_col=col, min_row=2):
                for c in cells:
                    c.number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
