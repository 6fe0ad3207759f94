"""``python -m shiftq_aimet.local CONFIG.yaml OUT_DIR [JOB_ID]``: one aimet job in-process, no Kafka (the
AIMET counterpart of the engine's LocalRun). Writes OUT_DIR/events.json (every event, in order) and prints
accuracy and wall time per stage; artifacts go to OUT_DIR/artifacts/JOB_ID/. The operator runs it on their own
files, so paths are not confined to roots (as LocalRun; the Kafka worker confines them)."""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

import torch
import yaml

from .artifacts import ArtifactStore
from .paths import Roots
from .pipeline import Job


def _instant(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _ms(e: dict) -> int:
    return int((_instant(e["finished_at"]) - _instant(e["started_at"])).total_seconds() * 1000)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    torch.set_num_threads(int(os.environ.get("SHIFTQ_TORCH_THREADS", "2")))
    torch.set_num_interop_threads(1)
    config = yaml.safe_load(Path(argv[0]).read_text()) or {}
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    job_id = argv[2] if len(argv) > 2 else "local"
    published: list[dict] = []
    request = {"schema_version": "1", "job_id": job_id, "variant": "aimet", "config": config}
    Job(request, ArtifactStore(out / "artifacts"), published.append, progress_interval=30.0,
        roots=Roots.anywhere()).run()
    (out / "events.json").write_text(json.dumps(published, indent=1))
    for e in published:
        if "status" in e:
            print(f"{e['stage']:<12} {e['status']:<10} accuracy {e['accuracy']:.2f}%  {_ms(e) / 1000:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
