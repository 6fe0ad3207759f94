"""The tables of docs/targets.md from the reports scripts/bench/targets.sh commits under docs/results/targets/.

    python3 scripts/bench/targets_table.py

Per profile run beside its unconstrained (generic) run: accuracies, violations, layers a limit moved, the largest
worst-case accumulator, and every exponent that differs from the unconstrained run's (w/i/o per layer).
"""
import json
import os
import sys

DIR = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "results", "targets")
PAIRS = [  # (run, the unconstrained run it is compared with)
    ("vgg_generic", None), ("vgg_dpu", "vgg_generic"), ("vgg_fpga16_w8a8", "vgg_generic"),
    ("vgg_generic_w4a4", None), ("vgg_fpga16_w4a4", "vgg_generic_w4a4"),
    ("resnet_generic", None), ("resnet_dpu", "resnet_generic"), ("resnet_fpga16", "resnet_generic"),
    ("mobilenet_generic", None), ("mobilenet_dpu", "mobilenet_generic"), ("mobilenet_fpga16", "mobilenet_generic"),
]


def load(run):
    path = os.path.join(DIR, run + ".json")
    return json.load(open(path)) if os.path.exists(path) else None


def exponents(report):
    out = {}
    for r in report["shift_records"]:
        for role, key in (("weight", "w"), ("input", "i"), ("output", "o")):
            t = r.get(role)
            if t:
                out[(r["layer"], key)] = t.get("channel_exponents") or t["shift"]["exponent"]
    return out


def changed(report, base):
    if base is None:
        return ""
    a, b = exponents(base), exponents(report)
    moves = []
    for k in b:
        if k in a and a[k] != b[k]:
            fmt = (lambda v: f"{min(v)}..{max(v)}" if isinstance(v, list) else str(v))
            moves.append(f"{k[0]}.{k[1]} {fmt(a[k])}→{fmt(b[k])}")
    return ", ".join(moves) if moves else "none"


print("| run | profile | FP32 | PTQ | QAT best | final | integer check (images, mismatches) | violations |"
      " layers moved | largest accumulator bound | exponents changed vs unconstrained |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for run, base in PAIRS:
    r = load(run)
    if r is None:
        print(f"| {run} | (not run) |||||||||| ", file=sys.stdout)
        continue
    t = r.get("target") or {}
    ic = r.get("integer_check") or {}
    violations = t.get("violations", sum(len(s.get("violations") or []) for s in r["shift_records"]))
    print(f"| {run} | {t.get('profile', 'generic')} | {r['initial_accuracy']} | {r['ptq_accuracy']} |"
          f" {r['qat_best_accuracy']} | {r['final_accuracy']} | {ic.get('images')}, "
          f"{ic.get('prediction_mismatches')} | {violations} | {t.get('layers_moved', '')} |"
          f" {t.get('largest_accumulator_bound', '')} | {changed(r, load(base) if base else None)} |")

print()
print("Per-layer accumulator bounds (16-bit runs; the limit is 32767):")
print()
for run in ("vgg_fpga16_w8a8", "vgg_fpga16_w4a4", "resnet_fpga16", "mobilenet_fpga16"):
    r = load(run)
    if r is None:
        continue
    bounds = [f"{s['layer']} {s['accumulator_bound']}" for s in r["shift_records"] if s.get("accumulator_bound")]
    print(f"- {run}: " + ", ".join(bounds))
