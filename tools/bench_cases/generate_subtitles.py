"""Subtitles recipe at 432x240x16: end-to-end vs encode floor (issue: generator core)."""
from bench_cases._common import measure_recipe, rows_for


def run(args):
    return rows_for("subtitles 432x240x16", measure_recipe("subtitles", 12 if args.quick else 60))
