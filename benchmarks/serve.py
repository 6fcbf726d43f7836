"""Datasette latency at a million statements: p50 and p95 over 20 requests per page.

    python -m benchmarks.serve                       # 1,000,000 statements, in-process and HTTP
    python -m benchmarks.serve --statements 200000 --db /tmp/kb-serve/kb.db
    python -m benchmarks.serve --no-http

Builds (or reuses, with --db) a database with the schema `kb build` makes,
filled with synthetic statements (skewed company popularity, 40 years, every
stance; benchmarks/synthetic.statement_rows) and a document per four
statements, full-text index built after the load. Then measures with the
settings `kb serve` uses (kb.datasette_app.SETTINGS, metadata.json):

  * in process: `make_datasette(db).client` (no network);
  * over HTTP: a real `kb serve` subprocess (mutable, as kb serve runs it),
    and `datasette serve -i` with an inspect file (immutable: no per-request
    file checks, counts precomputed).

Pages: the statements table with its configured facets, the same with a
filter, a year facet, full-text search, both canned queries from
metadata.json (without parameters, which shows every company, and with a
company), and a 10,000-row CSV export. A page that returns an error or a
facet that timed out is flagged.
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
    from kb.schema import TABLES, defer_fts, open_db, restore_fts
    from kb.store import refresh_companies, refresh_facet_counts

    t0 = time.perf_counter()
    db = open_db(path)
    defer_fts(db)
    conn = db.conn
    docs = max(1, n // 4)
    cols = list(TABLES["statements"]["columns"])
    dcols = list(TABLES["documents"]["columns"])
    insert = f"insert into statements ({', '.join(cols)}) values ({', '.join('?' * len(cols))})"
    dinsert = f"insert into documents ({', '.join(dcols)}) values ({', '.join('?' * len(dcols))})"
    conn.execute("PRAGMA foreign_keys = OFF")
    with conn:
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
    restore_fts(db)
    refresh_companies(db)
    refresh_facet_counts(db)  # what kb build does last
    conn.execute("ANALYZE")
    db.close()
    print(f"built {path} with {n:,} statements in {time.perf_counter() - t0:.0f} s "
          f"({path.stat().st_size / 1e6:.0f} MB)", flush=True)


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
        ("statements, configured facets", f"/{name}/statements"),
        ("statements, 4 facets explicit", f"/{name}/statements?_facet=company&_facet=market&_facet=stance&_facet=speaker_type"),
        ("statements, filter + facets", f"/{name}/statements?stance=plans&market=IN"),
        ("statements, year facet", f"/{name}/statements?_facet=said_on_year&_facet=target_year"),
        ("full-text search", f"/{name}/statements?_search=India"),
        ("search + filter", f"/{name}/statements?_search=launch&stance=entered"),
        ("full-text search, no facets", f"/{name}/statements?_search=India&_nofacet=1"),
        ("company_timeline (all)", f"/{name}/company_timeline"),
        ("company_timeline (company)", f"/{name}/company_timeline?company={q(busy)}"),
        ("latest_stance (all)", f"/{name}/latest_stance"),
        ("latest_stance (company)", f"/{name}/latest_stance?company={q(busy)}"),
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


async def in_process(db_path: Path, n: int, default_limits: bool = False) -> list[tuple[str, float, float, str]]:
    from datasette.app import DEFAULT_SETTINGS

    from kb.datasette_app import make_datasette

    ds = make_datasette(db_path)
    if default_limits:  # Datasette's own time limits instead of kb serve's
        ds._settings.update({k: DEFAULT_SETTINGS[k] for k in ("facet_time_limit_ms", "sql_time_limit_ms")})
    await ds.invoke_startup()
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
    args = ap.parse_args(argv)

    tmp = None
    if args.db:
        db_path = Path(args.db)
    else:
        tmp = tempfile.mkdtemp(prefix="kb-serve-")
        db_path = Path(tmp) / "kb.db"
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        build_db(db_path, args.statements)
    conn = sqlite3.connect(db_path)
    n = conn.execute("select count(*) from statements").fetchone()[0]
    conn.close()
    import datasette

    print(f"Datasette {datasette.__version__}, SQLite {sqlite3.sqlite_version}, {n:,} statements, "
          f"{args.requests} requests per page, {os.cpu_count()} cores", flush=True)
    label = "in-process, default limits" if args.default_limits else "in-process"
    columns = [(label, asyncio.run(in_process(db_path, args.requests, args.default_limits)))]
    print(table(columns), flush=True)
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
