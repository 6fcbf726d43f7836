"""Datasette latency at a million (or ten million) statements: ours beside plain Datasette.

    python -m benchmarks.serve --statements 1000000 --no-http    # the issue-17 table
    python -m benchmarks.serve --statements 10000000 --no-http --db /tmp/kb-serve-10m/kb.db
    python -m benchmarks.serve --statements 200000 --db /tmp/kb-serve/kb.db   # + HTTP columns

Builds (or reuses, with --db) a database with the schema `kb build` makes,
filled with synthetic statements (skewed company popularity, 40 years, every
stance; benchmarks/synthetic.statement_rows) and a document per four
statements, full-text index built after the load (build time and size are
printed). Then measures, p50 and p95 over --requests requests per page after
one warm-up:

  * ours, in process: `make_datasette(db).client` (no network), with the
    settings `kb serve` uses (kb.datasette_app.SETTINGS, metadata.json);
  * plain Datasette on the same file, in a separate process that unregisters
    kb's plugins (entry points, loaded by any Datasette in the environment):
    the same metadata.json (facets, search, sort), Datasette's default settings,
    --peer-requests requests per page; the table gives plain / ours (p50);
  * optionally over HTTP: a real `kb serve` subprocess (mutable, as kb serve
    runs it), and `datasette serve -i` with an inspect file (immutable).

Pages: the statements table with its configured facets, with one filter, two
filters, a company, year facets, full-text searches with and without a filter,
the canned queries from metadata.json (company_timeline, latest_stance and
the feed without parameters, which shows every company; each canned query with
the busiest company), and a 10,000-row CSV export. A page that returns an error
or a facet that timed out is flagged. The first request of each page warms
caches (for searches: the in-memory copy of kb.column_store, loaded once per
process and database version) and is not timed.

Built here, the database is bulk-loaded: the big tables' indexes are made
after the rows, as one sort each (see docs/performance.md). Reused (--db), it
gets the indexes added since it was built, and fresh facet counts if it has
none that the in-memory copy can be keyed by.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_db(path: Path, n: int) -> None:
    from benchmarks.synthetic import COMPANIES, statement_rows
    from kb.schema import TABLES, drop_triggers_for_bulk_load, open_db, restore_triggers
    from kb.store import refresh_companies, refresh_facet_counts

    t0 = time.perf_counter()
    db = open_db(path)
    drop_triggers_for_bulk_load(db)
    conn = db.conn
    docs = max(1, n // 4)
    cols = list(TABLES["statements"]["columns"])
    dcols = list(TABLES["documents"]["columns"])
    insert = f"insert into statements ({', '.join(cols)}) values ({', '.join('?' * len(cols))})"
    dinsert = f"insert into documents ({', '.join(dcols)}) values ({', '.join('?' * len(dcols))})"
    conn.execute("PRAGMA foreign_keys = OFF")
    # A bulk load: the big tables' indexes are dropped first and made again after the rows (one
    # sort each instead of an insert per row in 15 b-trees that outgrow the page cache).
    indexes = conn.execute("select name, sql from sqlite_master where type = 'index' and sql is not null "
                           "and tbl_name in ('statements', 'documents')").fetchall()
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA journal_mode = DELETE")  # the rows written once, not to the WAL and again
    with conn:
        for name, _ in indexes:
            conn.execute(f'drop index "{name}"')
        conn.executemany("insert or ignore into companies (name, aliases) values (?, '[]')", [(c,) for c in COMPANIES])
        doc_rows = []
        for i in range(docs):
            row = dict.fromkeys(dcols)
            row.update(id=f"synth-{i}", path=f"/synthetic/{i}.md", name=f"{i}.md", format="markdown",
                       title=f"Synthetic article {i}", publisher=["Synthetic Wire", "Market Ledger"][i % 2],
                       published=f"{1987 + i % 40}-06-01", published_year=1987 + i % 40,
                       text=f"Synthetic article {i}.", statements=4, events=0)
            doc_rows.append(tuple(row[c] for c in dcols))
        conn.executemany(dinsert, doc_rows)
        batch = []
        for row in statement_rows(n, docs=docs):
            batch.append(tuple(row[c] for c in cols))
            if len(batch) >= 50_000:
                conn.executemany(insert, batch)
                batch = []
        conn.executemany(insert, batch)
    t_rows = time.perf_counter() - t0
    with conn:
        for _, sql in indexes:
            conn.execute(sql)
    conn.execute("PRAGMA journal_mode = WAL")  # as kb build leaves it
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    restore_triggers(db)
    refresh_companies(db)
    t_fts = time.perf_counter() - t1
    refresh_facet_counts(db)  # what kb build does last
    t_counts = time.perf_counter() - t1 - t_fts
    conn.execute("ANALYZE")
    db.close()
    print(f"built {path} with {n:,} statements in {time.perf_counter() - t0:.0f} s (rows and indexes "
          f"{t_load:.0f} s, of which rows {t_rows:.0f} s; full-text index {t_fts:.0f} s, facet counts {t_counts:.0f} s; "
          f"{path.stat().st_size / 1e6:,.0f} MB)", flush=True)


def bring_up_to_date(path: Path) -> None:
    """A database built by an older version: the indexes added since (open_db), and facet counts
    with the token the in-memory copy of kb.column_store is keyed by (and the triggers that guard
    it) when it has none."""
    from kb.column_store import token
    from kb.schema import open_db, restore_triggers
    from kb.store import refresh_facet_counts

    t0 = time.perf_counter()
    db = open_db(path)
    if token(db.conn, "statements") is None:
        restore_triggers(db)
        refresh_facet_counts(db)
        print(f"{path}: facet counts refreshed (an older build; {time.perf_counter() - t0:.0f} s)", flush=True)
    db.close()


def pages(db_path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db_path)
    # A company with about 10,000 statements, for the CSV export; the busiest company for canned queries.
    counts = conn.execute("select company, count(*) from statements group by company order by 2 desc").fetchall()
    busy = counts[0][0]
    export_company = min(counts, key=lambda c: abs(c[1] - 10_000))
    conn.close()
    name = db_path.stem
    q = lambda s: s.replace(" ", "+")  # noqa: E731
    return [
        ("statements, configured facets (6)", f"/{name}/statements"),
        ("statements, 4 facets explicit", f"/{name}/statements?_facet=company&_facet=market&_facet=stance&_facet=speaker_type"),
        ("one filter (`stance=plans`) + facets", f"/{name}/statements?stance=plans"),
        ("one filter, a company + facets", f"/{name}/statements?company={q(busy)}"),
        ("two filters (`stance=plans&market=IN`) + facets", f"/{name}/statements?stance=plans&market=IN"),
        ("two filters (`stance=plans&speaker_type=company`) + facets",
         f"/{name}/statements?stance=plans&speaker_type=company"),
        ("statements, year facets", f"/{name}/statements?_facet=said_on_year&_facet=target_year"),
        ("search `India` + facets", f"/{name}/statements?_search=India"),
        ("search `plans` + facets", f"/{name}/statements?_search=plans"),
        ("search `launch` + filter `stance=entered` + facets", f"/{name}/statements?_search=launch&stance=entered"),
        ("search `India`, no facets", f"/{name}/statements?_search=India&_nofacet=1"),
        ("company_timeline (all)", f"/{name}/company_timeline"),
        ("company_timeline (company)", f"/{name}/company_timeline?company={q(busy)}"),
        ("latest_stance (all)", f"/{name}/latest_stance"),
        ("company_timeline (company, page 50)", f"/{name}/company_timeline?company={q(busy)}&page=50"),
        ("latest_stance (company)", f"/{name}/latest_stance?company={q(busy)}"),
        ("as_of (company)", f"/{name}/as_of?company={q(busy)}&date=2020"),
        ("atom_statements (all)", f"/{name}/atom_statements"),
        ("atom_statements (company)", f"/{name}/atom_statements?company={q(busy)}"),
        (f"CSV export {export_company[1]:,} rows",
         f"/{name}/statements.csv?_stream=on&_size=max&company={q(export_company[0])}"),
    ]


def _check(status: int, body: str, url: str) -> str:
    if status != 200:
        return f"HTTP {status}"
    if "facet_timed_out" in body or "These facets timed out" in body:
        return "facet timed out"
    if ".csv" not in url and ("Query interrupted" in body or "SQL query took too long" in body):
        return "query timed out"
    return ""


def summarize(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[max(0, int(round(0.95 * len(times))) - 1)] * 1000


async def in_process(db_path: Path, n: int, default_limits: bool = False,
                     plain: bool = False) -> list[tuple[str, float, float, str]]:
    from datasette.app import DEFAULT_SETTINGS, Datasette

    from kb.datasette_app import load_metadata, make_datasette

    if plain:  # Datasette as it comes, with our metadata (facets, search, sort), none of our plugins
        from datasette.plugins import pm

        for plugin, dist in pm.list_plugin_distinfo():
            if dist.project_name == "market-entry-kb":  # kb.plugins, loaded from their entry points
                pm.unregister(plugin)
        ds = Datasette([str(db_path)], metadata=load_metadata(db_path))
    else:
        ds = make_datasette(db_path)
    if default_limits:  # Datasette's own time limits instead of kb serve's
        ds._settings.update({k: DEFAULT_SETTINGS[k] for k in ("facet_time_limit_ms", "sql_time_limit_ms")})
    await ds.invoke_startup()
    if not plain:  # the in-memory copy for searches, loaded in the background at startup
        from kb.column_store import wait_for_preload

        wait_for_preload()
    out = []
    for label, url in pages(db_path):
        times, note = [], ""
        for i in range(n + 1):
            t = time.perf_counter()
            r = await ds.client.get(url)
            elapsed = time.perf_counter() - t
            if i:  # the first request warms caches
                times.append(elapsed)
            note = note or _check(r.status_code, r.text, url)
        out.append((label, *summarize(times), note))
    return out


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def over_http(db_path: Path, n: int, immutable: bool) -> list[tuple[str, float, float, str]]:
    import httpx

    port = _free_port()
    if immutable:
        inspect_file = db_path.with_suffix(".inspect.json")
        subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db_path), "--inspect-file",
                        str(inspect_file)], check=True, cwd=ROOT)
        # kb.datasette_app's entry point: kb serve's arguments with -i and the inspect file
        cmd = [sys.executable, "-m", "kb.datasette_app", str(db_path), "--port", str(port), "--immutable"]
    else:  # exactly what `kb serve` runs
        cmd = [sys.executable, "-c", "from kb.cli import cli; cli()", "serve", "--db", str(db_path),
               "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(300):
                try:
                    client.get("/-/versions.json")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            out = []
            for label, url in pages(db_path):
                times, note = [], ""
                for i in range(n + 1):
                    t = time.perf_counter()
                    r = client.get(url)
                    elapsed = time.perf_counter() - t
                    if i:
                        times.append(elapsed)
                    note = note or _check(r.status_code, r.text, url)
                out.append((label, *summarize(times), note))
            return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def plain_datasette(db_path: Path, n: int) -> list[tuple[str, float, float, str]]:
    """Plain Datasette's figures, measured in a fresh process (see the module's docstring)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.serve", "--db", str(db_path), "--requests", str(n),
                          "--plain-json"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]


def peer_table(ours: list, plain: list) -> str:
    """The issue-17 table: plain Datasette beside ours, p50 / p95, and plain / ours at p50."""
    lines = ["page | plain Datasette p50 / p95 ms | ours p50 / p95 ms | plain / ours (p50)", "--- | --- | --- | ---"]
    for (label, p50, p95, note), (_, q50, q95, qnote) in zip(ours, plain):
        cells = [label, f"{q50:,.0f} / {q95:,.0f}" + (f" ({qnote})" if qnote else ""),
                 f"{p50:,.0f} / {p95:,.0f}" + (f" ({note})" if note else ""), f"{q50 / max(p50, 0.1):,.1f}x"]
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def table(columns: list[tuple[str, list]]) -> str:
    labels = [row[0] for row in columns[0][1]]
    head = ["page"] + [f"{name} p50 / p95 ms" for name, _ in columns]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for i, label in enumerate(labels):
        cells = [label]
        for _, rows in columns:
            _, p50, p95, note = rows[i]
            cells.append(f"{p50:.0f} / {p95:.0f}" + (f" ({note})" if note else ""))
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statements", type=int, default=1_000_000)
    ap.add_argument("--db", help="database to use; built here if missing (the name should be kb.db)")
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--default-limits", action="store_true",
                    help="in process, at Datasette's default time limits (facets 200 ms, SQL 1 s)")
    ap.add_argument("--peer-requests", type=int, default=5,
                    help="requests per page for plain Datasette (0: leave it out)")
    ap.add_argument("--plain-json", action="store_true", help=argparse.SUPPRESS)  # the peer's own process
    args = ap.parse_args(argv)
    if args.plain_json:
        print(json.dumps(asyncio.run(in_process(Path(args.db), args.requests, plain=True))))
        return

    tmp = None
    if args.db:
        db_path = Path(args.db)
    else:
        tmp = tempfile.mkdtemp(prefix="kb-serve-")
        db_path = Path(tmp) / "kb.db"
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        build_db(db_path, args.statements)
    else:
        bring_up_to_date(db_path)
    conn = sqlite3.connect(db_path)
    n = conn.execute("select count(*) from statements").fetchone()[0]
    conn.close()
    import datasette

    print(f"Datasette {datasette.__version__}, SQLite {sqlite3.sqlite_version}, {n:,} statements, "
          f"{args.requests} requests per page, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    label = "in-process, default limits" if args.default_limits else "in-process"
    columns = [(label, asyncio.run(in_process(db_path, args.requests, args.default_limits)))]
    print(table(columns), flush=True)
    if args.peer_requests:
        print(f"\nplain Datasette on the same file ({args.peer_requests} requests per page) beside ours:\n")
        print(peer_table(columns[0][1], plain_datasette(db_path, args.peer_requests)), flush=True)
    if not args.no_http:
        columns.append(("HTTP kb serve", over_http(db_path, args.requests, immutable=False)))
        columns.append(("HTTP immutable+inspect", over_http(db_path, args.requests, immutable=True)))
        print()
        print(table(columns))
    if tmp:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
