"""Score statement extraction against gold files (shared/spec/STATEMENTS.md, last section).

    python benchmarks/statements.py GOLD_DIR DOCS_DIR [--details] [--db FILE]

Builds a fresh database from the documents that have gold files (the real
`kb build` path), exports it, and prints P/R/F1 overall and per stance,
target and said_on accuracy on matched pairs, quote overlap, documents per
second, and (with --details) every miss and false positive.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.build import build_paths  # noqa: E402
from kb.export import export_rows  # noqa: E402

STANCES = ["plans", "considering", "no_plans", "entered", "delayed", "withdrawn"]
LEGAL = re.compile(r"\b(corp|corporation|inc|co|company|ltd|limited|ag|sa|spa|nv|bv|plc|gmbh|group|holdings?|cos)\b")


def norm_company(name: str) -> str:
    name = re.sub(r"[^\w\s]", " ", (name or "").lower())
    name = LEGAL.sub(" ", name)
    return re.sub(r"\s+", " ", name).strip()


class Companies:
    """Company-name equality after aliases, as the scorer of the gold set does."""

    def __init__(self, aliases: dict[str, list[str]]):
        self.canon: dict[str, str] = {}
        for name, variants in aliases.items():
            for v in [name, *variants]:
                self.canon[norm_company(v)] = norm_company(name)

    def same(self, a: str, b: str) -> bool:
        a, b = norm_company(a), norm_company(b)
        a, b = self.canon.get(a, a), self.canon.get(b, b)
        if a == b:
            return True
        wa, wb = a.split(), b.split()
        shorter, longer = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
        return bool(shorter) and longer[: len(shorter)] == shorter


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def overlaps(pred_quote: str, gold_quote: str, doc_text: str) -> bool:
    doc = collapse(doc_text)
    p, g = collapse(pred_quote), collapse(gold_quote)
    ps, gs = doc.find(p), doc.find(g)
    if ps < 0 or gs < 0:
        return p in g or g in p
    return ps < gs + len(g) and gs < ps + len(p)


def match_document(pred: list[dict], gold: list[dict], optional: list[dict], companies: Companies):
    """Greedy matching on (company, market, stance); optional gold absorbs predictions silently."""
    matched, unmatched_pred = [], []
    free = list(range(len(gold)))
    for p in pred:
        hit = next((i for i in free if gold[i]["market"] == p["market"] and gold[i]["stance"] == p["stance"]
                    and companies.same(gold[i]["company"], p["company"])), None)
        if hit is not None:
            free.remove(hit)
            matched.append((p, gold[hit]))
        elif any(o["market"] == p["market"] and o["stance"] == p["stance"] and companies.same(o["company"], p["company"])
                 for o in optional):
            continue
        else:
            unmatched_pred.append(p)
    misses = [gold[i] for i in free]
    return matched, unmatched_pred, misses


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold_dir", type=Path)
    ap.add_argument("docs_dir", type=Path)
    ap.add_argument("--details", action="store_true", help="list misses, false positives and attribute errors")
    ap.add_argument("--db", type=Path, help="database file to build (default: a temporary one)")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()

    gold_files = sorted(args.gold_dir.glob("*.gold.json"))
    aliases_file = args.gold_dir / "aliases.json"
    companies = Companies(json.loads(aliases_file.read_text()) if aliases_file.exists() else {})
    golds = {}
    for f in gold_files:
        g = json.loads(f.read_text(encoding="utf-8"))
        golds[g["document"]] = g
    doc_paths = [args.docs_dir / name for name in golds if (args.docs_dir / name).exists()]
    missing = [name for name in golds if not (args.docs_dir / name).exists()]
    if missing:
        print(f"warning: {len(missing)} gold documents not found in {args.docs_dir}: {missing[:5]}", file=sys.stderr)

    db_path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    if db_path.exists():
        db_path.unlink()
    t0 = time.perf_counter()
    report = build_paths(doc_paths, db_path, workers=args.workers)
    elapsed = time.perf_counter() - t0
    for path, error in report.errors:
        print(f"error: {path}: {error}", file=sys.stderr)
    rows = list(export_rows(db_path))
    texts = {}
    import sqlite3

    conn = sqlite3.connect(db_path)
    for name, text in conn.execute("select name, text from documents"):
        texts[name] = text
    by_doc = defaultdict(list)
    for r in rows:
        by_doc[r["document"]].append(r)

    tp = fp = fn = 0
    per = {s: [0, 0, 0] for s in STANCES}
    target_ok = said_ok = quote_ok = 0
    detail_lines = []
    all_matched = []
    for name, g in sorted(golds.items(), key=lambda kv: int(re.sub(r"\D", "", kv[0]) or 0)):
        pred = by_doc.get(name, [])
        matched, fps, misses = match_document(pred, g["statements"], g.get("optional", []), companies)
        tp += len(matched)
        fp += len(fps)
        fn += len(misses)
        for p, gd in matched:
            per[gd["stance"]][0] += 1
            t_ok = (p["target"] or None) == (gd.get("target") or None)
            s_ok = p["said_on"] == gd.get("said_on")
            q_ok = overlaps(p["quote"], gd["quote"], texts.get(name, ""))
            target_ok += t_ok
            said_ok += s_ok
            quote_ok += q_ok
            all_matched.append((name, p, gd))
            if args.details and not (t_ok and s_ok and q_ok):
                detail_lines.append(f"  ATTR {name}: {gd['company']} {gd['market']} {gd['stance']}: "
                                    f"target {p['target']!r} vs {gd.get('target')!r}; said_on {p['said_on']!r} vs {gd.get('said_on')!r}"
                                    + ("" if q_ok else "; quote does not overlap"))
        for p in fps:
            per.setdefault(p["stance"], [0, 0, 0])[1] += 1
            detail_lines.append(f"  FP   {name}: {p['company']} {p['market']} {p['stance']} | {collapse(p['quote'])[:150]}")
        for m in misses:
            per[m["stance"]][2] += 1
            detail_lines.append(f"  MISS {name}: {m['company']} {m['market']} {m['stance']} | {collapse(m['quote'])[:150]}")

    print(f"documents scored: {len(doc_paths)}   statements predicted: {len(rows)}   gold: {tp + fn}")
    print(f"build: {elapsed:.2f} s, {len(doc_paths) / elapsed:.1f} documents/s "
          f"({report.failed} failed)")
    print()
    print(f"{'stance':<12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for stance in STANCES:
        t, f_, n = per.get(stance, [0, 0, 0])
        p, r, f1 = prf(t, f_, n)
        print(f"{stance:<12} {p:6.2f} {r:6.2f} {f1:6.2f} {t:4d} {f_:4d} {n:4d}")
    p, r, f1 = prf(tp, fp, fn)
    print(f"{'overall':<12} {p:6.2f} {r:6.2f} {f1:6.2f} {tp:4d} {fp:4d} {fn:4d}")
    if tp:
        print()
        print(f"on {tp} matches: target accuracy {target_ok / tp:.2f}, said_on accuracy {said_ok / tp:.2f}, "
              f"quote overlap {quote_ok / tp:.2f}")
    print()
    print("misses, false positives" + (" and attribute errors" if args.details else "") + ":")
    for line in detail_lines:
        if args.details or not line.startswith("  ATTR"):
            print(line)
    print(f"f1={f1 * 100:.2f}")


if __name__ == "__main__":
    main()
