#!/usr/bin/env python3
"""Write the copy of CISA's KEV catalog that salthunt compiles in.

    scripts/trim-kev.py known_exploited_vulnerabilities.json > data/cve/kev/known_exploited_vulnerabilities.json

The catalog keeps its format (a `salthunt intel import` of the full file
reads the same way); each entry keeps only the fields salthunt reads or
shows (cveID, vendorProject, product, vulnerabilityName, dateAdded), so the
catalog parsed at every start is a sixth of the size.
"""
import json
import sys

KEEP = ("cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded")

src = json.load(open(sys.argv[1], encoding="utf-8"))
out = {k: src[k] for k in ("title", "catalogVersion", "dateReleased", "count") if k in src}
out["vulnerabilities"] = [{k: v[k] for k in KEEP if k in v} for v in src["vulnerabilities"]]
json.dump(out, sys.stdout, ensure_ascii=False, separators=(",", ":"))
sys.stdout.write("\n")
