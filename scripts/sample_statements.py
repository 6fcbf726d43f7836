"""Print a reproducible random sample of stored statements for a hand check of precision.

    python scripts/sample_statements.py --db reuters.db -n 30 --seed 7

Each line shows the statement and its quote; mark each right or wrong by hand and report the count.
The sample is drawn with Python's random module over statement ids in sorted order, so the same seed
on the same database gives the same sample.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import textwrap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a database built by kb build")
    parser.add_argument("-n", type=int, default=30, help="how many statements (default 30)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    conn = sqlite3.connect(args.db)
    ids = [row[0] for row in conn.execute("select id from statements order by id")]
    picked = random.Random(args.seed).sample(ids, min(args.n, len(ids)))
    print(f"{len(picked)} of {len(ids)} statements, seed {args.seed}\n")
    for i, sid in enumerate(picked, 1):
        company, market, stance, target, document, quote = conn.execute(
            "select company, market, stance, target, document_id, quote from statements where id = ?", [sid]).fetchone()
        print(f"{i:2}. {company} | {market} | {stance} | target {target or '-'} | {document}")
        print(textwrap.indent(textwrap.fill(" ".join(quote.split()), 100), "    "))


if __name__ == "__main__":
    main()
