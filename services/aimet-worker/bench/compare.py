"""Prints the README's side-by-side tables: python compare.py OUT_DIR w8a8 w4a8."""
import json
import sys
from datetime import datetime


def _instant(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def ms(e):
    return (_instant(e["finished_at"]) - _instant(e["started_at"])).total_seconds()
out = sys.argv[1]
for run in sys.argv[2:]:
    evs = json.load(open(f"{out}/aimet-{run}/events.json"))
    done = {e["stage"]: e for e in evs if "status" in e}
    rep = json.load(open(f"{out}/custom-{run}/report.json"))
    print(f"\n### {run.upper()}\n")
    print("| | FP32 | PTQ | QAT best | final |")
    print("|---|---|---|---|---|")
    print(f"| custom (engine) | {rep['initial_accuracy']:.2f} | {rep['ptq_accuracy']:.2f} | {rep['qat_best_accuracy']:.2f} | {rep['final_accuracy']:.2f} |")
    print(f"| aimet | {done['calibration']['accuracy']:.2f} | {done['ptq']['accuracy']:.2f} | {done['qat']['accuracy']:.2f} | {done['final_ptq']['accuracy']:.2f} |")
    t = rep["stage_timings_ms"]
    print("\nwall time per stage, s (custom / aimet): " + ", ".join(
        f"{s} {t.get(s, 0)/1000:.1f} / {ms(done[s]):.1f}" for s in ("ptq", "qat", "final_ptq")))
    a = {r["layer"]: r for r in done["final_ptq"]["shift_records"]}
    c = {r["layer"]: r for r in rep["shift_records"]}
    print("\n| layer | w (custom/aimet) | i | o | b | shift_cut |")
    print("|---|---|---|---|---|---|")
    for layer in c:
        if layer not in a:
            continue
        row = [layer]
        for k in ("weight", "input", "output", "bias"):
            ce = c[layer].get(k, {}).get("shift", {}).get("exponent")
            ae = a[layer].get(k, {}).get("shift", {}).get("exponent")
            row.append(f"{ce} / {ae}" + ("" if ce == ae else " *"))
        row.append(f"{c[layer].get('shift_cut')} / {a[layer].get('shift_cut')}")
        print("| " + " | ".join(row) + " |")
