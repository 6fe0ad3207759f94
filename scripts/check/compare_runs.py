"""Compares two LocalRun output folders: the reports with stage timings and per-epoch milliseconds left
out, and every other file by sha256. For refactors that must not change behaviour:

    java -cp ... io.shiftq.tools.LocalRun CONFIG before/ ; (change the code) ; ... LocalRun CONFIG after/
    python3 scripts/check/compare_runs.py before after

Exits 1 when anything differs.
"""
import json, sys, hashlib, os
a, b = sys.argv[1], sys.argv[2]
ra = json.load(open(f'{a}/report.json')); rb = json.load(open(f'{b}/report.json'))
for r in (ra, rb):
    r.pop('stage_timings_ms', None)
    for e in r.get('qat_epochs') or []:
        e.pop('millis', None)
print('report (without timings) identical:', ra == rb)
if ra != rb:
    for k in ra:
        if ra.get(k) != rb.get(k): print('  differs:', k)
def files(d):
    out = {}
    for root, _, fs in os.walk(d):
        for f in fs:
            if f == 'report.json': continue
            p = os.path.join(root, f); out[os.path.relpath(p, d)] = hashlib.sha256(open(p, 'rb').read()).hexdigest()
    return out
fa, fb = files(a), files(b)
print('files:', len(fa), 'identical:', fa == fb)
for k in sorted(set(fa) | set(fb)):
    if fa.get(k) != fb.get(k): print('  differs:', k)
sys.exit(0 if ra == rb and fa == fb else 1)
