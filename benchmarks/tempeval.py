#!/usr/bin/env python
"""TempEval-3 task A (time expressions) for ingest.timex, with dateparser as a peer.

    python benchmarks/tempeval.py TIMEBANK_DIR AQUAINT_DIR    # TempEval-3 TBAQ-cleaned: TimeBank, AQUAINT

Reads every .tml file under each DIR, tags the text of <TEXT> with the
document's DCT, and scores against the gold TIMEX3s (DCT excluded): strict
and relaxed extent P/R/F1, and type and value F1 over relaxed matches. The
same documents are run through `dateparser.search.search_dates` (its
datetimes become DATE values at day precision; offsets are found by
searching for the returned substrings in order). `--errors` prints the
mismatches of our tagger for error analysis.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.append(str(Path(__file__).resolve().parent))  # after the repo, so benchmarks/ingest.py never shadows ingest/

from timeml import Counts, read_timeml, score  # noqa: E402

from ingest.timex import tag  # noqa: E402


def run_ours(doc):
    return tag(doc.text, doc.dct)


def run_dateparser(doc):
    from dateparser.search import search_dates

    base = dt.datetime.fromisoformat(doc.dct) if doc.dct else None
    settings = {"RELATIVE_BASE": base} if base else {}
    try:
        found = search_dates(doc.text, languages=["en"], settings=settings) or []
    except Exception:  # a peer's crash counts as finding nothing
        found = []
    out = []
    pos = 0
    for sub, when in found:
        i = doc.text.find(sub, pos)
        if i < 0:
            i = doc.text.find(sub)
            if i < 0:
                continue
        else:
            pos = i + len(sub)
        out.append(SimpleNamespace(start=i, end=i + len(sub), text=sub, type="DATE", value=when.date().isoformat()))
    return out


def evaluate(docs, system, errors=None):
    total = Counts()
    by_type: dict[str, Counts] = {}
    by_corpus: dict[str, Counts] = {}
    t0 = time.perf_counter()
    outputs = [system(d) for d in docs]
    elapsed = time.perf_counter() - t0
    for d, out in zip(docs, outputs):
        c, bt, matches = score(d.timexes, out)
        total.add(c)
        by_corpus.setdefault(d.corpus, Counts()).add(c)
        for k, v in bt.items():
            by_type.setdefault(k, Counts()).add(v)
        if errors is not None:
            for m in matches:
                g, s = m.gold, m.system
                if g is not None and s is not None and m.strict and g.value == s.value and g.type == s.type:
                    continue
                ctx_at = (g or s).start
                ctx = d.text[max(0, ctx_at - 60):ctx_at + 60].replace("\n", " ")
                if g is None:
                    kind = "FP"
                elif s is None:
                    kind = "FN"
                elif not m.strict:
                    kind = "SPAN"
                elif g.type != s.type:
                    kind = "TYPE"
                else:
                    kind = "VALUE"
                if kind == "VALUE" and g.type != s.type:
                    kind = "TYPE"
                errors.append((kind, d.name, d.dct,
                               f"[{g.text}] {g.type} {g.value}" if g else "-",
                               f"[{s.text}] {s.type} {s.value} ({getattr(s, 'rule', '')})" if s else "-",
                               ctx))
    return total, by_type, by_corpus, len(docs) / elapsed if elapsed else float("inf")


def fmt_row(label, c: Counts):
    sp, sr, sf = c.strict_prf()
    rp, rr, rf = c.relaxed_prf()
    _, _, tf = c.type_prf()
    _, _, vf = c.value_prf()
    return (f"{label:<22} {c.gold:>5} {c.system:>5} | {100*sp:5.1f} {100*sr:5.1f} {100*sf:5.1f} | "
            f"{100*rp:5.1f} {100*rr:5.1f} {100*rf:5.1f} | {100*tf:5.1f} {100*vf:5.1f}")


HEADER = (f"{'':<22} {'gold':>5} {'sys':>5} | {'strict P':>8} {'R':>5} {'F1':>5} | "
          f"{'relax P':>7} {'R':>5} {'F1':>5} | {'type':>5} {'value':>5}")


def print_table(name, total, by_type, by_corpus, dps):
    print(f"\n== {name}  ({dps:.1f} documents/second)")
    print(HEADER)
    print(fmt_row("overall", total))
    for k in sorted(by_corpus):
        print(fmt_row(f"corpus {k}", by_corpus[k]))
    for k in ("DATE", "TIME", "DURATION", "SET"):
        if k in by_type:
            print(fmt_row(f"type {k}", by_type[k]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path, help="directories holding TimeML .tml files")
    ap.add_argument("--errors", action="store_true", help="print our tagger's mismatches (FN, FP, SPAN, TYPE, VALUE)")
    ap.add_argument("--kind", action="append", help="with --errors: only these kinds")
    ap.add_argument("--no-peer", action="store_true", help="skip the dateparser run")
    args = ap.parse_args(argv)
    docs = []
    for d in args.dirs:
        files = sorted(d.glob("*.tml")) if d.is_dir() else [d]
        if not files:
            ap.error(f"no .tml files in {d}")
        for f in files:
            doc = read_timeml(f)
            doc.corpus = d.name if d.is_dir() else d.parent.name
            docs.append(doc)
    errors = [] if args.errors else None
    total, by_type, by_corpus, dps = evaluate(docs, run_ours, errors)
    print(f"TempEval-3 task A on {len(docs)} documents ({', '.join(str(d) for d in args.dirs)})")
    print_table("ingest.timex", total, by_type, by_corpus, dps)
    if not args.no_peer:
        try:
            import dateparser  # noqa: F401
        except ImportError:
            print("\n(dateparser not installed: peer run skipped)")
        else:
            print_table("dateparser.search.search_dates", *evaluate(docs, run_dateparser))
    if errors:
        print()
        for e in sorted(errors, key=lambda e: (e[0], e[3].lower(), e[4].lower())):
            if args.kind and e[0] not in args.kind:
                continue
            print("\t".join(e))


if __name__ == "__main__":
    main()
