"""Which cue rows and filters hold where: an audit of rules that fit one document.

    python scripts/cue_usage.py DOCS_DIR [DOCS_DIR ...] [--min-docs 2] [--all]

Extracts every document of the folders given (with the candidate trace) and counts, for each cue
pattern that produced a kept statement, for each filter that dropped a candidate and for each
rewrite, the documents and the sources (the publisher, else the folder) it acted in. Rows that act
in fewer than --min-docs documents, or for one source only, are listed first and starred: a rule
earns its place by holding in several documents from different sources, so these are the ones to
generalise or remove. With --all, the cue rows that acted nowhere are listed too, marked "lemma" when
ingest.grammar writes them from data/predicates.csv (the vocabulary of entry and exit) and "phrase" when
data/cues.csv holds them as written.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.cues import stance_cues  # noqa: E402
from ingest.extract import extract  # noqa: E402
from ingest.readers import read_path, supported  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--min-docs", type=int, default=2, help="fewer documents than this is suspect (default 2)")
    ap.add_argument("--all", action="store_true", help="also list the cue rows that acted in no document")
    args = ap.parse_args()
    docs: dict[str, set[str]] = defaultdict(set)
    folders: dict[str, set[str]] = defaultdict(set)
    for folder in args.folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and supported(p)):
            try:
                documents = read_path(path)
            except Exception as e:  # a bad file is reported, not fatal
                print(f"skipped {path}: {e}", file=sys.stderr)
                continue
            for doc in documents:
                result = extract(doc, trace=True)
                used = {f"cue {s.explain['action']}" for s in result.statements}
                used |= {f"frame {s.explain['frame']}" for s in result.statements if s.explain.get("frame")}
                used |= {f"rewrite {s.explain['rewrite']}" for s in result.statements if s.explain.get("rewrite")}
                used |= {f"filter {c['dropped_by']}" for c in result.candidates if c["dropped_by"]}
                for key in used:
                    docs[key].add(f"{folder}:{doc.id}")
                    folders[key].add(doc.publisher or str(folder))  # the outlet, else the folder
    origin = {}
    for cue in stance_cues():
        if cue.kind not in ("block", "block_after"):
            label = cue.label or cue.pattern
            origin[f"frame {label}" if cue.kind == "frame" else f"cue {cue.kind}: {label}"] = "lemma" if cue.generated else "phrase"
    if args.all:
        for key in origin:
            docs.setdefault(key, set())
    rows = sorted(docs, key=lambda k: (len(docs[k]) >= args.min_docs and len(folders[k]) > 1, len(docs[k]), k))
    print(f"{'docs':>5} {'sources':>7}  {'row':<6} rule")
    for key in rows:
        flag = "*" if len(docs[key]) < args.min_docs or len(folders[key]) < 2 else " "
        print(f"{len(docs[key]):>5} {len(folders[key]):>7} {flag} {origin.get(key, ''):<6} {key[:160]}")


if __name__ == "__main__":
    main()
