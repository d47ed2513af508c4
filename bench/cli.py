"""Command line of the harness: `generate` fills a database, `run` times the cases on it."""

from __future__ import annotations

import argparse

from bench.scales import SCALES


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="fill an empty, migrated database (DATABASE_URL)")
    gen.add_argument("--scale", choices=sorted(SCALES), default="S")
    run = sub.add_parser("run", help="time every case and write bench/results/<db>-<scale>.json")
    run.add_argument("--scale", choices=sorted(SCALES), default="S")
    run.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    run.add_argument("--repeat", type=int, default=15)
    run.add_argument("--http-port", type=int, default=8765)
    prof = sub.add_parser("profile", help="one case in-process under pyinstrument (and its SQL)")
    prof.add_argument("case")
    prof.add_argument("--sql", action="store_true", help="also print each query with its time")
    prof.add_argument("--times", type=int, default=0, help="instead of profiling, time n runs (CPU and wall)")
    sub.add_parser(
        "appraisal", help="only the appraisal case: close a year, start and score a cycle of everyone"
    )
    imp = sub.add_parser(
        "metric-import", help="only the platform import: a generated csv through the pipeline"
    )
    imp.add_argument("--rows", type=int, default=1_000_000)
    exp = sub.add_parser("table-export", help="only the tracking table export: 50,000 check-ins as xlsx")
    exp.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args(argv)
    if args.command == "table-export":
        import json

        from bench.table_export import measure as measure_export

        result = measure_export(args.rows)
        print(json.dumps(result, ensure_ascii=False))
        return 0 if result["met"] else 1
    if args.command == "metric-import":
        import json

        from bench.metric_import import measure

        result = measure(args.rows)
        print(json.dumps(result, ensure_ascii=False))
        return 0 if result["met"] else 1
    if args.command == "appraisal":
        import json

        from bench.appraisal import time_appraisal

        result = time_appraisal()
        print(json.dumps(result, ensure_ascii=False))
        return 0 if result["met"] else 1
    if args.command == "profile":
        from bench.run import profile_case

        return profile_case(args.case, show_sql=args.sql, times=args.times)
    if args.command == "generate":
        from bench.generate import generate

        print(generate(SCALES[args.scale]))
        return 0
    from bench.run import run_all

    return run_all(scale=args.scale, db=args.db, repeat=args.repeat, http_port=args.http_port)
