"""Sentence splitting time at 1, 4 and 16 MB: linear means each size takes ~4x the one before.

    python benchmarks/sentences.py [--sizes 1 4 16] [--extract]

Texts (generated, no corpus needed):

- prose: one paragraph of news-like sentences with abbreviations (Mr., U.S., Inc.) and quotes
- paragraphs: the same prose, a blank line every five sentences
- wire: hard-wrapped at 70 columns, as agency copy is
- runs: long runs of dots, question marks and closing quotes (the old splitter's worst case)

`--extract` also times `ingest.extract.extract` on the prose text (all per-sentence loops,
not only the splitter); it is slow at 16 MB, so it stops at the first size over 120 s.
"""
from __future__ import annotations

import argparse
import random
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.sentences import split  # noqa: E402

MB = 2 ** 20
WORDS = ("the company said it plans to enter India in 2027 and Mr. Smith of Norvane Motors Inc. told U.S. "
         "reporters on Monday that a decision would come later this year after talks with regulators").split()


def _sentences(seed: int = 14):
    rnd = random.Random(seed)
    while True:
        s = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 30)))
        yield s[0].upper() + s[1:] + rnd.choice([".", ".", ".", "!", "?", ".\"", ".”"])


def prose(size: int) -> str:
    out, n, gen = [], 0, _sentences()
    while n < size:
        s = next(gen)
        out.append(s)
        n += len(s) + 1
    return " ".join(out)[:size]


def paragraphs(size: int) -> str:
    out, n, gen = [], 0, _sentences()
    while n < size:
        para = " ".join(next(gen) for _ in range(5))
        out.append(para)
        n += len(para) + 2
    return "\n\n".join(out)[:size]


def wire(size: int) -> str:
    return "\n".join(textwrap.wrap(prose(size), 70))


def runs(size: int) -> str:
    quarter = size // 4
    return "a" + "." * quarter + " b" + "?" * quarter + "\"" * quarter + " C" + ". " * (quarter // 2) + "d"


TEXTS = {"prose": prose, "paragraphs": paragraphs, "wire": wire, "runs": runs}


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 16], help="sizes in MB")
    parser.add_argument("--extract", action="store_true", help="also time ingest.extract.extract on prose")
    args = parser.parse_args()

    print(f"{'text':<11}" + "".join(f"{f'{s:g} MB':>16}" for s in args.sizes) + "   ratio per 4x")
    for name, make in TEXTS.items():
        cells, times = [], []
        for size in args.sizes:
            text = make(int(size * MB))
            seconds, result = timed(split, text)
            times.append(seconds)
            cells.append(f"{seconds:7.2f} s {len(result):>6}")
        ratios = " ".join(f"{b / a:.1f}" for a, b in zip(times, times[1:]) if a > 0)
        print(f"{name:<11}" + "".join(f"{c:>16}" for c in cells) + f"   {ratios}")
    print("(each cell: seconds, sentences)")

    if args.extract:
        from ingest.extract import extract
        from ingest.records import Document

        print("\nextract (prose, one paragraph every five sentences):")
        for size in args.sizes:
            text = paragraphs(int(size * MB))
            seconds, result = timed(extract, Document(id="bench", path="bench.md", text=text))
            print(f"  {size:g} MB: {seconds:.2f} s, {len(result.statements)} statements")
            if seconds > 120:
                print("  (stopping: over 120 s)")
                break


if __name__ == "__main__":
    main()
