"""The package's shape: stages import only the stages before them, and an install puts nothing
but ``svodka`` into site-packages (the stage folders install as ``svodka.extract`` …)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Data flows one way; each stage may import schemas and the stages before it.
STAGES = ["schemas", "extract", "normalize", "validate", "export"]


def _svodka_imports(path: Path) -> set[str]:
    """The svodka modules ``path`` imports (absolute names), at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n == "svodka" or n.startswith("svodka.")}


def _stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_schemas_and_the_stages_before_it(stage: str) -> None:
    allowed = {"schemas", *STAGES[: STAGES.index(stage) + 1]}
    wrong = []
    for path in sorted((ROOT / stage).rglob("*.py")):
        for module in _svodka_imports(path):
            used = _stage_of(module)
            if used not in allowed:  # None: svodka's front door (cli, api, pipeline)
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, wrong


def test_no_stage_uses_the_old_top_level_names() -> None:
    old = []
    for stage in [*STAGES, "svodka", "tests", "tools", "bench"]:
        for path in sorted((ROOT / stage).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    top = node.module.split(".")[0]
                elif isinstance(node, ast.Import):
                    top = node.names[0].name.split(".")[0]
                else:
                    continue
                if top in STAGES:
                    old.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not old, old


def test_install_adds_only_svodka_to_site_packages(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "--target", str(target), str(ROOT)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    top = {p.name for p in target.iterdir()} - {"bin"}
    assert {n for n in top if not n.endswith(".dist-info")} == {"svodka"}, sorted(top)
    for stage in STAGES:  # real folders with the modules, not links back to the source tree
        folder = target / "svodka" / stage
        assert folder.is_dir() and not folder.is_symlink(), stage
        assert (folder / "__init__.py").is_file(), stage
    assert (target / "svodka" / "schemas" / "report.schema.json").is_file()
    # The installed copy imports and reads on its own, away from the source tree.
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import svodka, svodka.extract.pdf as p; "
            "print(svodka.__file__); print(p.__file__)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=tmp_path, env=env)
    files = out.stdout.split()
    assert all(Path(f).is_relative_to(target) for f in files), files
