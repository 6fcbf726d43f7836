"""Score statement extraction against gold files (docs/data-model.md, last section).

    python benchmarks/statements.py GOLD_DIR DOCS_DIR [GOLD_DIR DOCS_DIR ...] [--details] [--db FILE]

For each gold set (a folder of NAME.gold.json files as described in
docs/data-model.md, and the folder holding the documents), builds a fresh
database from the documents that have gold files (the real `kb build` path),
exports it and matches it to the gold on (company, market, stance). Prints one
line per set and one overall (precision, recall, F1, target and said_on
accuracy and quote overlap on the matched pairs), a table per stance, and the
misses and false positives (with --details, attribute errors too). Pass
several sets to see a change's effect on each: one that helps one set and
costs another is not an improvement.
"""
from __future__ import annotations

import argparse
import json
import re
import sqlite3
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


def score_corpus(gold_dir: Path, docs_dir: Path, workers: int | None, db: Path | None = None) -> dict:
    """Build the documents that have gold files (the real `kb build` path) and match them to the gold."""
    aliases_file = gold_dir / "aliases.json"
    companies = Companies(json.loads(aliases_file.read_text()) if aliases_file.exists() else {})
    golds = {}
    for f in sorted(gold_dir.glob("*.gold.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        golds[g["document"]] = g
    doc_paths = [docs_dir / name for name in golds if (docs_dir / name).exists()]
    missing = [name for name in golds if not (docs_dir / name).exists()]
    if missing:
        print(f"warning: {len(missing)} gold documents not found in {docs_dir}: {missing[:5]}", file=sys.stderr)

    db_path = db or Path(tempfile.mkdtemp()) / "bench.db"
    if db_path.exists():
        db_path.unlink()
    t0 = time.perf_counter()
    report = build_paths(doc_paths, db_path, workers=workers)
    elapsed = time.perf_counter() - t0
    for path, error in report.errors:
        print(f"error: {path}: {error}", file=sys.stderr)
    rows = list(export_rows(db_path))
    conn = sqlite3.connect(db_path)
    texts = dict(conn.execute("select name, text from documents"))
    conn.close()
    by_doc = defaultdict(list)
    for r in rows:
        by_doc[r["document"]].append(r)

    out = {"docs": len(doc_paths), "predicted": len(rows), "elapsed": elapsed, "failed": report.failed,
           "per": {s: [0, 0, 0] for s in STANCES}, "tp": 0, "fp": 0, "fn": 0,
           "target_ok": 0, "said_ok": 0, "quote_ok": 0, "lines": []}
    lines = out["lines"]
    for name, g in sorted(golds.items(), key=lambda kv: int(re.sub(r"\D", "", kv[0]) or 0)):
        matched, fps, misses = match_document(by_doc.get(name, []), g["statements"], g.get("optional", []), companies)
        out["tp"] += len(matched)
        out["fp"] += len(fps)
        out["fn"] += len(misses)
        for p, gd in matched:
            out["per"][gd["stance"]][0] += 1
            t_ok = (p["target"] or None) == (gd.get("target") or None)
            s_ok = p["said_on"] == gd.get("said_on")
            q_ok = overlaps(p["quote"], gd["quote"], texts.get(name, ""))
            out["target_ok"] += t_ok
            out["said_ok"] += s_ok
            out["quote_ok"] += q_ok
            if not (t_ok and s_ok and q_ok):
                lines.append(f"  ATTR {name}: {gd['company']} {gd['market']} {gd['stance']}: "
                             f"target {p['target']!r} vs {gd.get('target')!r}; said_on {p['said_on']!r} vs {gd.get('said_on')!r}"
                             + ("" if q_ok else "; quote does not overlap"))
        for p in fps:
            out["per"].setdefault(p["stance"], [0, 0, 0])[1] += 1
            lines.append(f"  FP   {name}: {p['company']} {p['market']} {p['stance']} | {collapse(p['quote'])[:150]}")
        for m in misses:
            out["per"][m["stance"]][2] += 1
            lines.append(f"  MISS {name}: {m['company']} {m['market']} {m['stance']} | {collapse(m['quote'])[:150]}")
    return out


def _corpus_line(name: str, r: dict) -> str:
    p, rec, f1 = prf(r["tp"], r["fp"], r["fn"])
    tp = r["tp"] or 1
    return (f"{name:<22} {r['docs']:>5} {p:6.2f} {rec:6.2f} {f1:6.2f} {r['tp']:4d} {r['fp']:4d} {r['fn']:4d}"
            f" {r['target_ok'] / tp:7.2f} {r['said_ok'] / tp:7.2f} {r['quote_ok'] / tp:6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", metavar="GOLD_DIR DOCS_DIR",
                    help="one or more pairs: a folder of *.gold.json files and the folder of their documents")
    ap.add_argument("--details", action="store_true", help="list misses, false positives and attribute errors")
    ap.add_argument("--db", type=Path, help="database file to build (one gold set only; default: a temporary one)")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    if len(args.sets) % 2:
        ap.error("give gold and document folders in pairs: GOLD_DIR DOCS_DIR [GOLD_DIR DOCS_DIR ...]")
    pairs = [(Path(args.sets[i]), Path(args.sets[i + 1])) for i in range(0, len(args.sets), 2)]
    if args.db and len(pairs) > 1:
        ap.error("--db takes one gold set")

    results = {}
    for gold_dir, docs_dir in pairs:
        name = gold_dir.parent.name if gold_dir.name.startswith("gold") else gold_dir.name
        results[name] = score_corpus(gold_dir, docs_dir, args.workers, args.db)
    total = {"docs": 0, "per": {s: [0, 0, 0] for s in STANCES}, "lines": []}
    for key in ("tp", "fp", "fn", "target_ok", "said_ok", "quote_ok", "predicted", "elapsed", "failed"):
        total[key] = sum(r[key] for r in results.values())
    total["docs"] = sum(r["docs"] for r in results.values())
    for r in results.values():
        for stance, counts in r["per"].items():
            row = total["per"].setdefault(stance, [0, 0, 0])
            for i in range(3):
                row[i] += counts[i]

    print(f"documents scored: {total['docs']}   statements predicted: {total['predicted']}   "
          f"gold: {total['tp'] + total['fn']}")
    print(f"build: {total['elapsed']:.2f} s, {total['docs'] / max(total['elapsed'], 1e-9):.1f} documents/s "
          f"({total['failed']} failed)")
    print()
    print(f"{'corpus':<22} {'docs':>5} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}"
          f" {'target':>7} {'said_on':>7} {'quote':>6}")
    for name, r in results.items():
        print(_corpus_line(name, r))
    if len(results) > 1:
        print(_corpus_line("overall", total))
    print()
    print(f"{'stance':<12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}   (all sets)")
    for stance in STANCES:
        t, f_, n = total["per"].get(stance, [0, 0, 0])
        p, r, f1 = prf(t, f_, n)
        print(f"{stance:<12} {p:6.2f} {r:6.2f} {f1:6.2f} {t:4d} {f_:4d} {n:4d}")
    print()
    print("misses, false positives" + (" and attribute errors" if args.details else "") + ":")
    for name, r in results.items():
        for line in r["lines"]:
            if args.details or not line.startswith("  ATTR"):
                print(line)
    p, r, f1 = prf(total["tp"], total["fp"], total["fn"])
    print(f"f1={f1 * 100:.2f}")


if __name__ == "__main__":
    main()
