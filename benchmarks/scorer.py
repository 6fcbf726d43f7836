"""Hand-ordered filters against a learned scorer over the same candidates, across gold sets.

    python benchmarks/scorer.py GOLD_DIR DOCS_DIR [GOLD_DIR DOCS_DIR ...]   (needs scikit-learn: pip install -e '.[bench]')

Every candidate reading the extractor considers (`extract(doc, trace=True)`: an action with a
company and a market, and a stance) is labelled by the gold: right when the gold set has that
(company, market, stance) in the document. Two deciders keep or drop the same candidates:

  * rules: the extractor's own ordered filters (`dropped_by` is None);
  * learned: a logistic regression over the candidate's features (which filters hold, cue kind,
    frame and stance, how the company and the market were found, speaker kind, headline), trained
    on the other gold sets only (leave one set out), so no set is scored by a model that saw it.

Both are scored as statements (one per document, company, market and stance) against the whole gold,
so a gold statement no candidate reaches counts as a miss for both; the last column keeps exactly the
right candidates, the recall any decider over these candidates could reach. Prints P/R/F1 per
held-out set.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.statements import Companies, prf  # noqa: E402
from ingest.extract import ACTION_FILTERS, STATEMENT_FILTERS, extract  # noqa: E402
from ingest.readers import read_path  # noqa: E402

FILTERS = [name for name, _ in ACTION_FILTERS + STATEMENT_FILTERS]


def features(c: dict) -> dict[str, float]:
    """A candidate as named features (one-hot for categories)."""
    out = {f"fired={name}": 1.0 for name in c["fired"]}
    if c.get("statement_filter"):
        out[f"fired={c['statement_filter']}"] = 1.0
    for key in ("kind", "stance", "frame_stance", "cue_stance", "company_rule", "speaker_kind"):
        out[f"{key}={c.get(key)}"] = 1.0
    out["generated"] = float(bool(c["generated"]))
    out["market_adjective"] = float(bool(c.get("market_adjective")))
    out["market_inside"] = float(bool(c.get("market_inside")))
    out["region"] = float(len(c.get("market") or "") != 2)
    out["headline"] = float(bool(c["headline"]))
    return out


def load_set(gold_dir: Path, docs_dir: Path) -> tuple[list[dict], dict]:
    """Candidates (with their document, label and features) and the gold statements of one set."""
    aliases_file = gold_dir / "aliases.json"
    companies = Companies(json.loads(aliases_file.read_text()) if aliases_file.exists() else {})
    candidates, gold = [], {}
    for f in sorted(gold_dir.glob("*.gold.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        path = docs_dir / g["document"]
        if not path.exists():
            continue
        gold[g["document"]] = (g["statements"], g.get("optional", []), companies)
        for doc in read_path(path):
            for c in extract(doc, trace=True).candidates:
                if c["company"] is None or not c["stance"]:
                    continue  # no reading a statement could come from
                c = {**c, "document": g["document"]}
                c["label"] = any(s["market"] == c["market"] and s["stance"] == c["stance"]
                                 and companies.same(s["company"], c["company"]) for s in g["statements"])
                c["features"] = features(c)
                candidates.append(c)
    return candidates, gold


def score(kept: list[dict], gold: dict) -> tuple[float, float, float, int, int, int]:
    """Statements (document, company, market, stance) kept, matched greedily to the gold as the scorer does."""
    by_doc = defaultdict(dict)
    for c in kept:
        by_doc[c["document"]].setdefault((c["company"], c["market"], c["stance"]), c)
    tp = fp = fn = 0
    for name, (statements, optional, companies) in gold.items():
        free = list(range(len(statements)))
        for company, market, stance in by_doc.get(name, {}):
            hit = next((i for i in free if statements[i]["market"] == market and statements[i]["stance"] == stance
                        and companies.same(statements[i]["company"], company)), None)
            if hit is not None:
                free.remove(hit)
                tp += 1
            elif not any(o["market"] == market and o["stance"] == stance and companies.same(o["company"], company)
                         for o in optional):
                fp += 1
        fn += len(free)
    return (*prf(tp, fp, fn), tp, fp, fn)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", metavar="GOLD_DIR DOCS_DIR")
    ap.add_argument("--threshold", type=float, default=0.5, help="keep a candidate above this probability")
    args = ap.parse_args()
    if len(args.sets) % 2 or len(args.sets) < 4:
        ap.error("give at least two gold sets, as GOLD_DIR DOCS_DIR pairs (each is held out in turn)")
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        sys.exit("benchmarks/scorer.py needs scikit-learn: pip install -e '.[bench]'")

    sets = {}
    for i in range(0, len(args.sets), 2):
        gold_dir, docs_dir = Path(args.sets[i]), Path(args.sets[i + 1])
        name = gold_dir.parent.name if gold_dir.name.startswith("gold") else gold_dir.name
        sets[name] = load_set(gold_dir, docs_dir)

    print(f"{'held-out set':<16} {'cands':>6} {'right':>6}   {'rules P/R/F1':<20} {'learned P/R/F1':<20} "
          f"{'all right kept (recall bound)':<20}")
    for held, (test, gold) in sets.items():
        train = [c for name, (cands, _) in sets.items() if name != held for c in cands]
        vec = DictVectorizer()
        x = vec.fit_transform([c["features"] for c in train])
        model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(x, [c["label"] for c in train])
        probs = model.predict_proba(vec.transform([c["features"] for c in test]))[:, 1]
        rules = score([c for c in test if c["dropped_by"] is None], gold)
        learned = score([c for c, p in zip(test, probs) if p >= args.threshold], gold)
        bound = score([c for c in test if c["label"]], gold)
        print(f"{held:<16} {len(test):>6} {sum(c['label'] for c in test):>6}   "
              f"{rules[0]:.2f}/{rules[1]:.2f}/{rules[2]:.2f}{'':<8} {learned[0]:.2f}/{learned[1]:.2f}/{learned[2]:.2f}{'':<8} "
              f"{bound[0]:.2f}/{bound[1]:.2f}/{bound[2]:.2f}")


if __name__ == "__main__":
    main()
