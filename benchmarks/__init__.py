"""``make bench``: benchmarks that print figures and ratios, never timed tests.

Each module listed in ``__main__.MODULES`` defines ``run() -> list[Aim]``: it prints its own
figures as it goes and returns the aims it measured, which the last line summarises.
"""
