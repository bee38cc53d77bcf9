"""Every row of the fault catalogue has a test, and every test the README names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "docs/reliability.md"
README = Path(__file__).with_name("README.md")
NODE = re.compile(r"^`(?P<path>[^`:]+\.py)::(?P<function>\w+)(?:\[[^\]]*\])?`$")


def _table_rows(text: str) -> list[list[str]]:
    """The body rows of every Markdown table in `text`, as lists of stripped cells."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if all(set(cell) <= set("-: ") for cell in cells):
            continue  # the separator under a header
        rows.append(cells)
    return rows


def catalogue_faults() -> list[str]:
    """The first cell of each row of the catalogue's tables (headers left out)."""
    return [cells[0] for cells in _table_rows(CATALOGUE.read_text(encoding="utf-8"))
            if cells[0] != "fault"]


def readme_entries() -> list[tuple[str, str]]:
    """(catalogue row, test node id) of each row of the README's table."""
    return [(cells[0], cells[1]) for cells in _table_rows(README.read_text(encoding="utf-8"))
            if cells[0] != "Catalogue row"]


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_the_catalogue_is_read() -> None:
    faults = catalogue_faults()
    assert len(faults) >= 25
    assert "broker black hole" in faults and "contradictory pins" in faults
    assert "Linli's fault catalogue" in CATALOGUE.read_text(encoding="utf-8").splitlines()[0]


def test_every_catalogue_row_has_a_test() -> None:
    covered = {fault for fault, _ in readme_entries()}
    missing = [fault for fault in catalogue_faults() if fault not in covered]
    assert not missing, f"catalogue rows without a test in {README.name}: {missing}"


def test_every_row_named_in_the_readme_is_in_the_catalogue() -> None:
    faults = set(catalogue_faults())
    stale = [fault for fault, _ in readme_entries() if fault not in faults]
    assert not stale, f"README rows that are not in the catalogue: {stale}"


def test_every_listed_test_exists() -> None:
    problems = []
    for fault, node in readme_entries():
        match = NODE.match(node)
        if not match:
            problems.append(f"{fault}: {node!r} is not `path.py::test_name`")
            continue
        path = ROOT / match["path"]
        if not path.is_file():
            problems.append(f"{fault}: no file {match['path']}")
        elif match["function"] not in _functions(path):
            problems.append(f"{fault}: no test {match['function']} in {match['path']}")
    assert not problems, "\n".join(problems)
