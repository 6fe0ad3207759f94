"""The same-run table of bench/onnx_side_by_side.sh: python compare_onnx.py OUT_DIR CONFIG.yaml...

Reads both variants' report.json (the aimet one assembled from its events by the reporting service's code) and the
load averages the script noted around each job."""
import json
import sys
from pathlib import Path

STAGES = ("calibration", "ptq", "qat", "final_ptq")
TENSORS = ("weight", "bias", "input", "output")


def _job_seconds(report: dict) -> float:
    """The four stages' own time: the same work on both sides (no Kafka here, so no handoffs either way)."""
    return sum(report["stage_timings_ms"].get(s, 0) for s in STAGES) / 1000


def _exponents(record: dict, key: str) -> list[int] | None:
    t = record.get(key)
    if not t:
        return None
    return t.get("channel_exponents") or [t["shift"]["exponent"]]


def _deploy_seconds(events: Path) -> float:
    """The aimet final stage's Java step (AimetDeploy in its own JVM), which the report's metrics leave out."""
    final = [e for e in json.loads(events.read_text()) if e.get("stage") == "final_ptq" and "status" in e]
    return final[-1]["metrics"].get("integer_deploy_ms", 0.0) / 1000


def _row(run: str, variant: str, r: dict, ratio: str) -> str:
    ic = r.get("integer_check") or {}
    check = (f"{ic['images']}, {ic['integer_accuracy']:.2f}%, {ic['prediction_mismatches']} / {ic['logit_mismatches']}"
             if ic else "none")
    return (f"| {run} | {variant} | {r['initial_accuracy']:.2f} | {r['ptq_accuracy']:.2f} | {r['qat_best_accuracy']:.2f} "
            f"| {r['final_accuracy']:.2f} | {check} | {_job_seconds(r):.0f}{ratio} |")


def _differences(custom: dict, aimet: dict) -> tuple[list[str], list[str]]:
    """Rows of the exponents that differ, and the layers only the engine keeps a shift record for."""
    a = {r["layer"]: r for r in aimet["shift_records"]}
    rows, custom_only = [], []
    for cr in custom["shift_records"]:
        ar = a.get(cr["layer"])
        if ar is None:
            custom_only.append(cr["layer"])
            continue
        for key in TENSORS:
            ce, ae = _exponents(cr, key), _exponents(ar, key)
            if ce == ae:
                continue
            if ce and ae and len(ce) == len(ae) > 1:
                n = sum(x != y for x, y in zip(ce, ae, strict=True))
                worst = max(abs(x - y) for x, y in zip(ce, ae, strict=True))
                rows.append(f"| {cr['layer']} | {key} | {n} of {len(ce)} channels differ, by up to {worst} | |")
            else:
                rows.append(f"| {cr['layer']} | {key} | {ce} | {ae} |")
    return rows, custom_only


def main(out: Path, configs: list[str]) -> None:
    print("| config | variant | FP32 | PTQ | QAT best | final | integer check: images, integer accuracy, "
          "predictions / logit vectors differing | job s (aimet / custom) |")
    print("|---|---|---|---|---|---|---|---|")
    details = []
    for cfg in configs:
        run = Path(cfg).stem
        custom = json.loads((out / f"custom-{run}" / "report.json").read_text())
        aimet = json.loads((out / f"aimet-{run}" / "report.json").read_text())
        print(_row(run, "custom", custom, ""))
        print(_row(run, "aimet", aimet, f" (x{_job_seconds(aimet) / _job_seconds(custom):.2f})"))
        load = out / f"{run}.load"
        details.append((run, len(custom["shift_records"]), _differences(custom, aimet),
                        load.read_text().strip().replace("\n", "; ") if load.exists() else "not noted",
                        _deploy_seconds(out / f"aimet-{run}" / "events.json")))
    for run, layers, (diff, custom_only), load, deploy in details:
        print(f"\n{run}: {len(diff)} tensors with other exponents in the {layers - len(custom_only)} layers both record (custom / "
              f"aimet); only the engine records {', '.join(custom_only) or 'none'}; the aimet final_ptq holds "
              f"{deploy:.0f} s of the Java deploy step (JVM start, plan, files, integer check); load average "
              f"(1, 5, 15 min) {load}\n")
        if diff:
            print("| layer | tensor | custom | aimet |\n|---|---|---|---|")
            print("\n".join(diff))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
