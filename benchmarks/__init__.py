"""The performance harness: a data set generator, a load driver, charts.

Run ``python -m benchmarks --help``; ``docs/benchmarks.md`` has the commands
and the results.
"""
