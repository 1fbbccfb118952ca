"""The CLI: every command has help, exit codes as documented, JSON valid against the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from svodka.cli import app, default_schema_path, schema_text

from .conftest import RAW

runner = CliRunner()
COMMANDS = ["extract", "check", "run", "schema"]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("svodka ")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout or command == "schema"


def test_committed_schema_is_up_to_date() -> None:
    committed = default_schema_path().read_text(encoding="utf-8")
    assert committed == schema_text(), "run `svodka schema` and commit schemas/report.schema.json"


def test_extract_json_validates_against_schema() -> None:
    sample = RAW / "smolensk-2017-deck.pdf"
    result = runner.invoke(app, ["extract", str(sample), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, json.loads(default_schema_path().read_text(encoding="utf-8")))
    assert doc["schema_version"] == "1"
    assert doc["document"]["format"] == "pdf"
    assert len(doc["tables"]) == 4


def test_extract_unreadable_file_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "отчёт.pdf"
    bad.write_text("<html>not a pdf</html>", encoding="utf-8")
    result = runner.invoke(app, ["extract", str(bad), "--json"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "E_NOT_PDF" in lines[0] and "отчёт.pdf" in lines[0]


def test_check_exits_1_on_the_seed_errors() -> None:
    result = runner.invoke(app, ["check", str(RAW / "smolensk-2017-deck.pptx"),
                                 "--format", "json"])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)[0]["findings"]
    errors = {(f["code"], f["measure"], f["source"]) for f in findings
              if f["severity"] == "error"}
    assert errors == {("9.6", "fact", "total"), ("9.8", "fact", "total")}


def test_run_writes_outputs_and_skips_on_rerun(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = runner.invoke(app, ["run", str(RAW), "--out", str(out)])
    assert first.exit_code == 0, first.output
    reports = sorted(out.glob("*/report.json"))
    assert len(reports) == 3
    assert (out / "cells.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = runner.invoke(app, ["run", str(RAW), "--out", str(out)])
    assert second.exit_code == 0
    assert "пропущено 3" in second.stdout
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert before == after


def test_run_prints_each_file_on_one_line_however_long_its_path(tmp_path: Path) -> None:
    """The per-file lines are never wrapped inside a path (it stays findable and copyable)."""
    inbox = tmp_path / ("отчёты-" + "очень-длинное-имя-папки-" * 5)
    inbox.mkdir()
    deck = inbox / "smolensk-2017-deck.pptx"
    deck.write_bytes((RAW / "smolensk-2017-deck.pptx").read_bytes())
    result = runner.invoke(app, ["run", str(inbox), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert any(line.startswith("готово ") and str(deck) in line
               for line in result.stdout.splitlines()), result.stdout


def test_unreadable_file_is_a_failure_document_in_json(tmp_path: Path) -> None:
    """Failures are data: `extract --json` prints the contract document of the failure and
    `check --format json` lists the file with status failure and its code; both exit 2."""
    bad = tmp_path / "письмо.pdf"
    bad.write_text("Добрый день! Отчёт во вложении.", encoding="utf-8")
    schema = json.loads(default_schema_path().read_text(encoding="utf-8"))
    extracted = runner.invoke(app, ["extract", str(bad), "--json"])
    assert extracted.exit_code == 2
    doc = json.loads(extracted.stdout)
    jsonschema.validate(doc, schema)
    assert doc["status"] == "failure" and doc["tables"] == []
    assert doc["error"]["code"] == "E_NOT_PDF" and doc["document"]["path"] == str(bad)
    assert [f["rule"] for f in doc["findings"]] == ["E_NOT_PDF"]

    checked = runner.invoke(app, ["check", str(RAW / "smolensk-2017-deck.pptx"), str(bad),
                                  "--format", "json"])
    assert checked.exit_code == 2
    by_path = {d["document"]: d for d in json.loads(checked.stdout)}
    assert by_path[str(bad)]["status"] == "failure"
    assert by_path[str(bad)]["error"]["code"] == "E_NOT_PDF"
    assert by_path[str(RAW / "smolensk-2017-deck.pptx")]["error"] is None
    assert len(checked.stderr.strip().splitlines()) == 1


def test_check_in_a_pipe_keeps_every_finding_on_one_line() -> None:
    """Not a terminal (CliRunner's stdout is not one): no line is wrapped, so grep finds
    each finding whole, however long its message."""
    from svodka.api import read

    sample = RAW / "smolensk-2017-deck.pdf"
    messages = [f.message for f in read(sample).findings]
    assert max(map(len, messages)) > 120  # longer than any terminal width rich would use
    result = runner.invoke(app, ["check", str(sample)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for message in messages:
        assert any(message in line for line in lines), message


def test_quiet_and_fail_on_for_scripts() -> None:
    """dev04 has warnings and no errors: exit 0 by default, 1 with --fail-on warning;
    --quiet prints nothing."""
    from .conftest import corpus_file

    doc = str(corpus_file("dev04-kaluzhskaya-2020-word.docx"))
    plain = runner.invoke(app, ["check", doc])
    assert plain.exit_code == 0 and "предупреждение" in plain.stdout
    strict = runner.invoke(app, ["check", doc, "--quiet", "--fail-on", "warning"])
    assert strict.exit_code == 1 and strict.stdout == ""
    quiet = runner.invoke(app, ["check", str(RAW / "smolensk-2017-deck.pptx"), "-q"])
    assert quiet.exit_code == 1 and quiet.stdout == ""


def test_nothing_checked_is_not_no_errors(tmp_path: Path) -> None:
    """A readable document without a table whose arithmetic could be checked says so and
    exits 3; with a checked document beside it the worst code wins (errors: 1)."""
    from tests.hostile_fixtures import HOSTILE

    no_tables = HOSTILE / "no-tables.pdf"
    result = runner.invoke(app, ["check", str(no_tables)])
    assert result.exit_code == 3, result.output
    assert "ничего не проверено" in result.stdout
    as_json = runner.invoke(app, ["check", str(no_tables), "--format", "json"])
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)[0]["tables_checked"] == []
    both = runner.invoke(app, ["check", str(no_tables), str(RAW / "smolensk-2017-deck.pptx")])
    assert both.exit_code == 1


def test_run_quiet_prints_only_the_failed_files(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.pptx").write_bytes((RAW / "smolensk-2017-deck.pptx").read_bytes())
    (inbox / "b.pdf").write_text("не PDF", encoding="utf-8")
    result = runner.invoke(app, ["run", str(inbox), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"{inbox / 'b.pdf'}: run: E_NOT_PDF: файл назван .pdf, но это не PDF"]


HEAVY = ("pydantic", "pdfplumber", "pypdfium2", "numpy", "pandas", "pyarrow", "duckdb",
         "openpyxl", "camelot", "cv2", "svodka.api", "svodka.extract")


def test_version_and_help_load_no_reader() -> None:
    """`svodka --version` and `--help` start without the readers, exports or pydantic
    (issue 16: start-up); the version is the installed package's."""
    import subprocess
    import sys
    from importlib.metadata import version

    probe = ("import sys; from typer.testing import CliRunner; from svodka.cli import app; "
             "r = CliRunner().invoke(app, sys.argv[1:]); print(r.stdout.strip()); "
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    printed = {}
    for args in ("--version", "--help"):
        out = subprocess.run([sys.executable, "-c", probe, args], capture_output=True,
                             text=True, check=True).stdout.strip().splitlines()
        assert out[-1] == "[]", (args, out[-1])  # no heavy module was imported
        printed[args] = "\n".join(out[:-1])
    assert printed["--version"] == f"svodka {version('svodka')}"
    assert "check" in printed["--help"] and "extract" in printed["--help"]


def test_lazy_package_names_resolve() -> None:
    """Every name the packages promise (``__all__``) imports on first use."""
    import svodka
    import svodka.schemas as schemas

    for module in (svodka, schemas):
        for name in module.__all__:
            assert getattr(module, name) is not None, (module.__name__, name)
    with pytest.raises(AttributeError):
        _ = schemas.NoSuchRecord  # type: ignore[attr-defined]
