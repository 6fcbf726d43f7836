"""Issue 14, finding 5: YAML alias bombs, deep nesting and huge blocks in front matter and in
corrections.yaml end in one clear per-file error, quickly, not in minutes, gigabytes or a traceback."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from ingest.readers.markdown import MAX_FRONT_MATTER, split_front_matter
from ingest.records import ReadError
from kb.build import build_paths
from kb.cli import cli
from kb.corrections import MAX_BYTES, CorrectionsError, load_corrections

BODY = "BYD has no plans to enter the US market, Stella Li, chief executive of BYD Americas, said on Monday.\n"


def bomb(levels: int = 9, indent: str = "") -> str:
    """The billion-laughs shape: each level a list of nine aliases of the level before."""
    lines = [f'{indent}a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"{indent}a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def _bounded(code: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run `code` in a child limited to 1.5 GB of memory and `timeout` seconds."""
    prelude = ("import resource\n"
               "resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))\n")
    try:
        return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"did not finish in {timeout} s") from None


# --- front matter ------------------------------------------------------------------------

def test_front_matter_alias_bomb_is_a_read_error(tmp_path):
    p = tmp_path / "bomb.md"
    p.write_text("---\ntitle: Boom\n" + bomb() + "---\n" + BODY, encoding="utf-8")
    done = _bounded(f"""
        from ingest.readers import read_path
        from ingest.records import ReadError
        try:
            read_path({str(p)!r})
        except ReadError as e:
            print("ReadError:", e)
        else:
            print("read")
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ReadError:"), done.stdout
    assert "alias" in done.stdout and "line 4" in done.stdout  # the first *a0


def test_front_matter_single_alias_refused():
    with pytest.raises(ReadError, match=r"alias.*\*who"):
        split_front_matter("---\nauthor: &who Jane\neditor: *who\n---\nbody\n")


def test_front_matter_without_aliases_still_reads():
    meta, body = split_front_matter('---\ntitle: "5 * 3 = 15 & more"\nanchor: &x plain\ntags: [a, b]\n---\nbody\n')
    assert meta == {"title": "5 * 3 = 15 & more", "anchor": "plain", "tags": ["a", "b"]}
    meta, _ = split_front_matter('---\ntitle: "Tabs\tand *stars*"\npublished: 2024-01-02\n---\nbody\n')
    assert meta["title"] == "Tabs\tand *stars*"


def test_front_matter_deep_nesting_is_a_read_error():
    deep = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(ReadError, match="front matter"):
        split_front_matter("---\n" + deep + "---\nbody\n")
    with pytest.raises(ReadError, match="nested more than 64 levels"):  # the pure-Python loader's path
        split_front_matter("---\ntitle: café *\n" + deep + "---\nbody\n")


def test_front_matter_over_the_size_cap_is_refused_before_parsing():
    block = "notes: " + "x" * (MAX_FRONT_MATTER + 10) + "\n"
    with pytest.raises(ReadError, match="front matter is .* over the"):
        split_front_matter("---\n" + block + "---\nbody\n")


def test_build_reports_the_bomb_and_stores_the_rest(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bomb.md").write_text("---\n" + bomb() + "---\n" + BODY, encoding="utf-8")
    (folder / "good.md").write_text("---\nid: good\n---\n" + BODY, encoding="utf-8")
    report = build_paths([folder], tmp_path / "kb.db", workers=1)
    assert report.failed == 1 and report.new == 1
    [(path, error)] = report.errors
    assert path.endswith("bomb.md") and "alias" in error


# --- corrections.yaml ----------------------------------------------------------------------

def test_corrections_alias_bomb_is_one_clear_error(tmp_path):
    p = tmp_path / "corrections.yaml"
    p.write_text(bomb() + "- document: d\n  reject: true\n  statement: 0123456789abcdef\n", encoding="utf-8")
    done = _bounded(f"""
        from kb.corrections import CorrectionsError, load_corrections
        try:
            load_corrections({str(p)!r})
        except CorrectionsError as e:
            print("CorrectionsError:", e)
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("CorrectionsError:"), done.stdout
    assert str(p) in done.stdout and "line 2" in done.stdout and "alias" in done.stdout


def test_corrections_alias_inside_an_entry_refused(tmp_path):
    p = tmp_path / "corrections.yaml"
    p.write_text("- document: &d doc-1\n  reject: true\n  statement: 0123456789abcdef\n"
                 "- document: *d\n  reject: true\n  statement: 0123456789abcdee\n", encoding="utf-8")
    with pytest.raises(CorrectionsError, match=r"corrections.yaml, line 4: not valid YAML: YAML aliases"):
        load_corrections(p)


def test_corrections_over_the_size_cap(tmp_path):
    p = tmp_path / "corrections.yaml"
    with p.open("w") as f:
        f.write("# " + "x" * (MAX_BYTES + 10) + "\n")
    with pytest.raises(CorrectionsError, match="over the 10 MiB limit"):
        load_corrections(p)


def test_kb_build_with_a_bomb_in_corrections_prints_one_line(tmp_path):
    (tmp_path / "corrections.yaml").write_text(bomb(), encoding="utf-8")
    (tmp_path / "a.md").write_text("---\nid: a\n---\n" + BODY, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "a.md"), "--db", str(tmp_path / "kb.db"), "-q"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "corrections.yaml" in lines[0] and "alias" in lines[0], result.output
    assert "Traceback" not in result.output
