"""Everything kb needs at run time is package data: a file under kb/ or ingest/ that is not a
module must be matched by pyproject's [tool.setuptools.package-data], or a wheel leaves it out
(the wheel itself is built, installed and served by .ci/run)."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_runtime_file_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    for package in ("kb", "ingest"):
        base = ROOT / package
        covered = {p for pattern in package_data.get(package, []) for p in base.glob(pattern) if p.is_file()}
        files = {p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                 and not (p.suffix == ".py" and (p.parent / "__init__.py").exists())}
        missing = sorted(str(p.relative_to(ROOT)) for p in files - covered)
        assert not missing, f"not in package-data for {package}: {missing}"


def test_runtime_files_are_found_inside_the_package():
    from kb.build import EXAMPLES
    from kb.datasette_app import METADATA, TEMPLATES_DIR

    kb_dir = ROOT / "kb"
    for path in (EXAMPLES, METADATA, TEMPLATES_DIR):
        assert path.exists() and kb_dir in path.parents, path
    assert len(list(EXAMPLES.glob("*.md"))) >= 20
