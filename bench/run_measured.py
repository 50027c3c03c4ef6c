#!/usr/bin/env python3
"""Run a command, print wall seconds and peak RSS (KiB) of it and its children.

Usage: run_measured.py CMD ARGS...   -> prints "seconds=<s> maxrss_kb=<k> status=<rc>"
stdout of the command is discarded; stderr is passed through.
"""
import os
import resource
import subprocess
import sys
import time

t0 = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
dt = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"seconds={dt:.3f} maxrss_kb={ru.ru_maxrss} status={p.returncode}")
