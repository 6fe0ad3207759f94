"""The same-run table of bench/onnx_side_by_side.sh: python compare_onnx.py OUT_DIR CONFIG.yaml..."""
import json
import sys
from datetime import datetime
from pathlib import Path


def _instant(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _seconds(e):
    return (_instant(e["finished_at"]) - _instant(e["started_at"])).total_seconds()


def _exp(record, key):
    t = record.get(key) or {}
    return t.get("channel_exponents") or (t.get("shift") or {}).get("exponent")


def main(out: Path, configs: list[str]) -> None:
    print("| config | variant | FP32 | PTQ | QAT best | final | integer check: images, integer %, predictions / logit vectors differing | job s |")
    print("|---|---|---|---|---|---|---|---|")
    details = []
    for cfg in configs:
        run = Path(cfg).stem
        evs = json.loads((out / f"aimet-{run}" / "events.json").read_text())
        done = {e["stage"]: e for e in evs if "status" in e}
        rep = json.loads((out / f"custom-{run}" / "report.json").read_text())
        c_ic = rep.get("integer_check") or {}
        m = done["final_ptq"]["metrics"]
        a_time = sum(_seconds(e) for e in done.values())
        c_time = sum(rep["stage_timings_ms"].values()) / 1000
        print(f"| {run} | custom | {rep['initial_accuracy']:.2f} | {rep['ptq_accuracy']:.2f} | {rep['qat_best_accuracy']:.2f} | "
              f"{rep['final_accuracy']:.2f} | {c_ic.get('images')}, {c_ic.get('integer_accuracy')}, "
              f"{c_ic.get('prediction_mismatches')} / {c_ic.get('logit_mismatches')} | {c_time:.0f} |")
        print(f"| {run} | aimet | {done['calibration']['accuracy']:.2f} | {done['ptq']['accuracy']:.2f} | "
              f"{done['qat']['accuracy']:.2f} | {done['final_ptq']['accuracy']:.2f} | {m.get('integer_images', 0):.0f}, "
              f"{m.get('integer_accuracy')}, {m.get('integer_prediction_mismatches', 0):.0f} / "
              f"{m.get('integer_logit_mismatches', 0):.0f} | {a_time:.0f} (x{a_time / c_time:.2f}) |")
        a = {r["layer"]: r for r in done["final_ptq"]["shift_records"]}
        c = {r["layer"]: r for r in rep["shift_records"]}
        diff = []
        for layer, cr in c.items():
            ar = a.get(layer)
            if ar is None:
                diff.append(f"| {layer} | (no aimet record) | | |")
                continue
            for key in ("weight", "bias", "input", "output"):
                ce, ae = _exp(cr, key), _exp(ar, key)
                if ce != ae:
                    diff.append(f"| {layer} | {key} | {ce} | {ae} |")
        details.append((run, len(c), diff))
    for run, layers, diff in details:
        print(f"\n{run}: {len(diff)} exponents differ over {layers} layers (custom / aimet)\n")
        if diff:
            print("| layer | tensor | custom | aimet |\n|---|---|---|---|")
            print("\n".join(diff))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
