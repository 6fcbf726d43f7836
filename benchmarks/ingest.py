"""Ingest throughput: `kb build` end to end, and storage against raw SQLite on the same rows.

    python -m benchmarks.ingest                      # Reuters + synthetic 10k, 30k, 100k
    python -m benchmarks.ingest --sizes 10000 --no-reuters
    python -m benchmarks.ingest --reuters DOCS_DIR --sizes 10000,30000 --workers 2
    python -m benchmarks.ingest --profile-store      # cProfile of the storage replay
    python -m benchmarks.ingest --scheduler local    # also on Dask (a LocalCluster), beside the pool

For each corpus a fresh child process runs the same code `kb build` runs
(`kb.build.build_paths`, worker pool of `--workers` processes) on a fresh
database; with `--scheduler`, a second child builds it again with extraction
on Dask (`local`: a LocalCluster of `--workers` processes; or a scheduler's
address), a "(dask)" row beside the pool's, and the last line gives Dask's wall
time over the pool's. Each child times the time the main process spends
storing (`save_extraction` and the end-of-build finishing) apart from the rest
(reading and extracting happen in the workers). Peak memory is the largest resident set of the main
process and of any worker (`getrusage`).

Then, on the same rows (read back from the built database, held in memory
before any timing):
  * ours: the build's storage path alone (same functions, one process, no
    extraction competing for the cores) into a fresh database: documents with
    the fingerprints the workers computed (as in a build), savepoints, duplicate
    checks, companies, full-text index, company counts; not the derived data
    (claims, facet counts), timed apart in the build as "derived s";
  * raw: plain `sqlite3` `executemany` of the same rows into the same tables
    (same indexes, same full-text tables, filled once after the load; no
    triggers, no foreign-key checks) in ONE transaction, with the same
    connection settings as ours (WAL, synchronous=NORMAL, kb.store.WRITER_PRAGMAS).
    This is the storage limit; the table prints ours / raw.
Synthetic articles are generated at run time under a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpus" / "reuters21578" / "docs"
DATA_TABLES = ["documents", "companies", "statements", "events"]


# ---------------------------------------------------------------- child: one corpus
def _maxrss_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def run_one(corpus: str, workers: int, workdir: Path, profile_store: bool, scheduler: str | None = None) -> dict:
    import kb.build as build

    db_path = workdir / "kb.db"
    store_time = [0.0]
    original_save = build.save_extraction

    def timed_save(db, extraction, *args, **kwargs):
        t = time.perf_counter()
        try:
            return original_save(db, extraction, *args, **kwargs)
        finally:
            store_time[0] += time.perf_counter() - t

    build.save_extraction = timed_save
    finish_time, post_time = _wrap_finish(build, store_time)
    t0 = time.perf_counter()
    report = build.build_paths([corpus], db_path, workers=workers, scheduler=scheduler)
    wall = time.perf_counter() - t0
    build.save_extraction = original_save
    out = {
        "corpus": corpus, "workers": workers, "docs": report.new + report.changed, "failed": report.failed,
        "statements": report.statements, "events": report.events, "wall_s": wall,
        "store_s": store_time[0], "finish_s": finish_time[0], "claims_s": post_time[0],
        "peak_main_mb": _maxrss_mb(resource.RUSAGE_SELF), "peak_worker_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
        "db_mb": db_path.stat().st_size / 1e6,
    }
    rows = _load_rows(db_path)
    out.update(_replay(rows, workdir, profile_store))
    out.update(_raw(rows, db_path, workdir))
    return out


def _wrap_finish(build, store_time):
    """Time the end-of-build storage work (company counts, full-text rebuild) as storage, and the
    per-build derived data (kb.claims' recompute, the facet counts), computed after
    storing, on its own."""
    import kb.store as store

    finish, post = [0.0], [0.0]
    targets = [(build, "refresh_companies", finish), (store, "restore_triggers", finish),
               (build, "recompute_claims", post), (build, "refresh_facet_counts", post)]
    for module, name, acc in targets:
        fn = getattr(module, name, None)
        if fn is None:
            continue

        def timed(*a, _fn=fn, _acc=acc, **k):
            t = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                _acc[0] += time.perf_counter() - t
                if _acc is finish:
                    store_time[0] += time.perf_counter() - t

        setattr(module, name, timed)
    return finish, post


def _load_rows(db_path: Path) -> dict:
    conn = sqlite3.connect(db_path)
    rows = {}
    for table in DATA_TABLES:
        cur = conn.execute(f"select * from [{table}] order by rowid")
        rows[table] = ([d[0] for d in cur.description], cur.fetchall())
    conn.close()
    return rows


def _extractions(rows: dict) -> list:
    """Rebuild the Extraction objects the workers produced, from the stored rows."""
    from ingest.records import Document, Event, Extraction, Statement

    def dicts(table):
        cols, data = rows[table]
        return [dict(zip(cols, r)) for r in data]

    by_doc_s: dict[str, list] = {}
    for r in dicts("statements"):
        by_doc_s.setdefault(r["document_id"], []).append(Statement(
            company=r["company"], market=r["market"], stance=r["stance"], speaker=r["speaker"],
            speaker_role=r["speaker_role"], speaker_type=r["speaker_type"], said_on=r["said_on"],
            target=r["target"], quote=r["quote"], quote_start=r["quote_start"], quote_end=r["quote_end"],
            target_qualifier=r["target_qualifier"], confidence=r["confidence"],
            explain=json.loads(r["explain"]) if r["explain"] else {}))
    by_doc_e: dict[str, list] = {}
    for r in dicts("events"):
        by_doc_e.setdefault(r["document_id"], []).append(Event(
            company=r["company"], market=r["market"], kind=r["kind"], date=r["date"], place=r["place"],
            product=r["product"], quote=r["quote"], quote_start=r["quote_start"], quote_end=r["quote_end"]))
    aliases = {r["name"]: json.loads(r["aliases"] or "[]") for r in dicts("companies")}
    out = []
    for r in dicts("documents"):
        doc = Document(id=r["id"], path=r["path"], text=r["text"], title=r["title"], url=r["url"],
                       publisher=r["publisher"], author=r["author"], published=r["published"],
                       format=r["format"], meta=json.loads(r["meta"]) if r["meta"] else {})
        st, ev = by_doc_s.get(doc.id, []), by_doc_e.get(doc.id, [])
        names = {x.company for x in [*st, *ev]}
        out.append(Extraction(doc, st, ev, {n: aliases.get(n, []) for n in names}))
    return out


def _replay(rows: dict, workdir: Path, profile_store: bool) -> dict:
    """Our storage path alone, on the same rows, into a fresh database."""
    import kb.build as build
    from kb.schema import open_db

    extractions = _extractions(rows)
    # What the workers send back carries the duplicate fingerprints (kb.build.process_file).
    for e in extractions:
        e.fingerprints()
    path = workdir / "replay.db"
    db = open_db(path)
    results = ((e.document.path, [e], None) for e in extractions)
    prof = None
    if profile_store:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    store_all = getattr(build, "store_all", None)
    if store_all is not None:
        store_all(db, results, {}, set(), build.BuildReport(), None)
    else:
        build._store_results(db, results, {}, set(), build.BuildReport(), None)
        build.refresh_companies(db)
    db.close()
    elapsed = time.perf_counter() - t0
    if prof:
        import pstats
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(20)
    return {"ours_store_s": elapsed}


def _raw(rows: dict, built: Path, workdir: Path) -> dict:
    """The limit: executemany of the same rows into the same tables, one transaction."""
    src = sqlite3.connect(built)
    schema = src.execute(
        "select type, name, sql from sqlite_master where sql is not null and name not like 'sqlite_%' "
        "order by case type when 'table' then 0 when 'index' then 1 else 2 end, rowid").fetchall()
    src.close()
    path = workdir / "raw.db"
    conn = sqlite3.connect(path, isolation_level=None)
    # The same connection settings as ours (kb.schema.open_db, kb.store.WRITER_PRAGMAS), except
    # foreign keys, which raw does not check.
    from kb.store import WRITER_PRAGMAS
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for name, value in WRITER_PRAGMAS.items():
        conn.execute(f"PRAGMA {name} = {value}")
    fts = []
    for kind, name, sql in schema:
        if kind == "trigger":
            continue  # full-text tables are filled once after the load, the fastest way
        if kind == "table" and "_fts_" in name:
            continue  # shadow tables come with their virtual table
        if kind == "table" and sql.lower().startswith("create virtual table"):
            fts.append(name)
        conn.execute(sql)
    for table in ("stances", "markets", "market_regions"):
        conn.execute(f"attach database ? as src", [str(built)])
        conn.execute(f"insert into main.[{table}] select * from src.[{table}]")
        conn.execute("detach database src")
    t0 = time.perf_counter()
    conn.execute("begin")
    for table in DATA_TABLES:
        cols, data = rows[table]
        conn.executemany(
            f"insert into [{table}] ({', '.join(f'[{c}]' for c in cols)}) values ({', '.join('?' * len(cols))})", data)
    for name in fts:
        conn.execute(f"insert into [{name}]([{name}]) values ('rebuild')")
    conn.execute("commit")
    conn.close()
    return {"raw_store_s": time.perf_counter() - t0,
            "rows": sum(len(rows[t][1]) for t in DATA_TABLES)}


# ---------------------------------------------------------------- parent: corpora and table
def child(corpus: str, workers: int, profile_store: bool, scheduler: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        cmd = [sys.executable, "-m", "benchmarks.ingest", "--child", corpus, "--workdir", tmp,
               "--workers", str(workers)] + (["--profile-store"] if profile_store else []) \
            + (["--scheduler", scheduler] if scheduler else [])
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
        return json.loads(proc.stdout.strip().splitlines()[-1])


def table(results: list[tuple[str, dict]]) -> str:
    head = ("corpus", "docs", "stmts", "wall s", "docs/s", "stmts/s", "store s", "store %", "derived s",
            "peak MB main/worker", "ours store s", "raw s", "ours/raw")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for name, r in results:
        lines.append(" | ".join([
            name, f"{r['docs']:,}", f"{r['statements']:,}", f"{r['wall_s']:.1f}",
            f"{r['docs'] / r['wall_s']:,.0f}", f"{r['statements'] / r['wall_s']:,.0f}",
            f"{r['store_s']:.1f}", f"{100 * r['store_s'] / r['wall_s']:.0f}%", f"{r.get('claims_s', 0):.1f}",
            f"{r['peak_main_mb']:.0f}/{r['peak_worker_mb']:.0f}",
            f"{r['ours_store_s']:.2f}", f"{r['raw_store_s']:.2f}", f"{r['ours_store_s'] / r['raw_store_s']:.2f}x",
        ]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reuters", default=str(REUTERS), help="Reuters docs folder (default: %(default)s)")
    ap.add_argument("--no-reuters", action="store_true")
    ap.add_argument("--sizes", default="10000,30000,100000", help="synthetic corpus sizes, comma-separated")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", help="generate synthetic corpora here and keep them (default: a temp folder)")
    ap.add_argument("--profile-store", action="store_true", help="print a cProfile of the storage replay")
    ap.add_argument("--scheduler", help="also build each corpus with extraction on Dask: 'local' (a LocalCluster "
                                        "of --workers processes) or a scheduler's address")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--workdir", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        result = run_one(args.child, args.workers, Path(args.workdir), args.profile_store, args.scheduler)
        print(json.dumps(result))
        return

    from benchmarks.synthetic import write_corpus

    results: list[tuple[str, dict]] = []
    print(f"kb build benchmark: {args.workers} workers, {os.cpu_count()} cores, SQLite {sqlite3.sqlite_version}",
          flush=True)
    def measure(name: str, corpus: str) -> None:
        results.append((name, child(corpus, args.workers, args.profile_store)))
        print(table(results[-1:]), flush=True)
        if args.scheduler:
            results.append((f"{name} (dask)", child(corpus, args.workers, args.profile_store, args.scheduler)))
            print(table(results[-1:]), flush=True)

    if not args.no_reuters and Path(args.reuters).is_dir():
        measure("reuters", args.reuters)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kb-synth-"))
    try:
        for size in [int(s) for s in args.sizes.split(",") if s]:
            folder = base / f"synthetic-{size}"
            if not folder.exists():
                t = time.perf_counter()
                write_corpus(folder, size)
                print(f"generated {size:,} synthetic articles in {time.perf_counter() - t:.1f} s", flush=True)
            measure(f"synthetic {size // 1000}k", str(folder))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print()
    print(table(results))
    if args.scheduler:
        pool = dict(results)
        print(f"\nDask ({args.scheduler}) beside the process pool ({args.workers} workers each), wall time "
              "dask/pool (1.00x: as fast; the target is at most 1.30x): "
              + ", ".join(f"{n[:-7]}: {r['wall_s'] / pool[n[:-7]]['wall_s']:.2f}x"
                          for n, r in results if n.endswith(" (dask)")))
    syn = [(n, r) for n, r in results if n.startswith("synthetic") and not n.endswith(" (dask)")]
    if len(syn) > 1:
        print("\nlinearity (wall seconds per 1,000 documents): "
              + ", ".join(f"{n}: {1000 * r['wall_s'] / r['docs']:.2f}" for n, r in syn))


if __name__ == "__main__":
    main()
