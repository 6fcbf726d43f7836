"""How much of the text search the gates of ingest.textsearch skip, and what that saves.

    python -m benchmarks.textsearch [DOCS_DIR ...]      # default: kb/examples

Prints the share of patterns that get a gate (stance and event cues and the people patterns with a
literal gate, date-tagger rules with a literal gate and with a first-character gate: a pattern
without one always runs, which costs speed, never matches), then the time to run every stance cue
over the sentences of the documents with the gates and without them (the same matches, checked).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.cues import _gated_event_cues, _gated_stance_cues, find_cues, stance_cues  # noqa: E402
from ingest.readers import read_path, supported  # noqa: E402
from ingest.sentences import split  # noqa: E402
from ingest.speakers import APPOSITION, TITLED  # noqa: E402
from ingest.textsearch import gate_of  # noqa: E402
from ingest.timex.lexicon import load  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "kb" / "examples"


def _share(label: str, gated: int, total: int) -> None:
    print(f"  {label:<44} {gated:>4} of {total:<4} {100 * gated / max(total, 1):5.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("docs", nargs="*", type=Path, default=[EXAMPLES], help="folders of documents (default kb/examples)")
    args = parser.parse_args()

    print("patterns with a gate:")
    stance, events, rules = _gated_stance_cues(), _gated_event_cues(), load().rules
    _share("stance cues, literal gate", sum(g.literals is not None for _, g in stance), len(stance))
    _share("event cues, literal gate", sum(g.literals is not None for _, g in events), len(events))
    _share("people patterns, literal gate", sum(gate_of(rx).literals is not None for rx in (APPOSITION, TITLED)), 2)
    _share("date rules, literal gate", sum(r.gate.literals is not None for r in rules), len(rules))
    _share("date rules, first-character gate", sum(r.regex.pattern.startswith("(?=[") for r in rules), len(rules))

    sentences = [s.text for folder in args.docs for path in sorted(folder.rglob("*")) if path.is_file() and supported(path)
                 and not path.name.endswith(".gold.json") for doc in read_path(path) for s in split(doc.text)]
    cues = stance_cues()
    start = time.perf_counter()
    gated = [find_cues(text) for text in sentences]
    fast = time.perf_counter() - start
    start = time.perf_counter()
    plain = [[(cue, m.start(), m.end()) for cue in cues for m in cue.regex.finditer(text)] for text in sentences]
    slow = time.perf_counter() - start
    assert gated == plain, "the gated search found something else"
    print(f"stance cues over {len(sentences)} sentences: {fast:.3f} s gated, {slow:.3f} s plain "
          f"({slow / max(fast, 1e-9):.1f}x), the same matches")


if __name__ == "__main__":
    main()
