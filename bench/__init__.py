"""The national-scale benchmark behind ``make bench`` (issue 8).

``generator`` fills a dedicated PostgreSQL database with a synthetic national backlog by COPY;
``floors`` holds the hand-written SQL and views each figure is compared with; ``measure``
times the real code paths in-process; ``load`` drives gunicorn from a second process; the
``bench`` management command ties them together and writes docs/benchmarks.{md,json}.
"""
