"""The shared artifact store, written as shared-schema's ArtifactStore.java writes it: ``<root>/<job_id>/<name>``,
atomic replace, events carry ``{uri: file:///..., sha256, bytes}`` with lower-case hex SHA-256."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
JOB_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


class ArtifactStore:
    """A store rooted at a directory, created if missing; names and job ids checked as the Java store does."""

    def __init__(self, root: str | os.PathLike):
        Path(root).mkdir(parents=True, exist_ok=True)
        self.root = Path(root).resolve(strict=True)

    def job_dir(self, job_id: str) -> Path:
        if not JOB_ID.fullmatch(job_id) or job_id in (".", ".."):
            raise ValueError(f"job id '{job_id}' must match {JOB_ID.pattern}")
        d = self.root / job_id
        d.mkdir(parents=True, exist_ok=True)
        if not d.resolve().is_relative_to(self.root):
            raise ValueError(f"job directory {d} resolves outside the store root {self.root}")
        return d

    def put(self, job_id: str, name: str, data: bytes) -> dict:
        """Stores bytes as the job's artifact ``name``, replacing an older one atomically; returns the reference."""
        if not NAME.fullmatch(name or ""):
            raise ValueError(f"artifact name '{name}' must match {NAME.pattern}")
        target = self.job_dir(job_id) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(self.root):
            raise ValueError(f"artifact {name} resolves outside the store root {self.root}")
        fd, tmp = tempfile.mkstemp(prefix="." + target.name, suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return {"uri": target.as_uri(), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}

    def put_file(self, job_id: str, name: str, source: Path) -> dict:
        return self.put(job_id, name, Path(source).read_bytes())

    def read(self, ref: dict) -> bytes:
        """The referenced bytes, after checking they lie in the store and match the sha256 and size."""
        if not ref.get("uri", "").startswith("file:"):
            raise ValueError(f"artifact uri '{ref.get('uri')}' is not a file: URI under {self.root}")
        from urllib.parse import unquote, urlparse
        path = Path(unquote(urlparse(ref["uri"]).path)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"artifact uri '{ref['uri']}' is outside the store root {self.root}")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != ref["sha256"].lower() or len(data) != ref["bytes"]:
            raise ValueError(f"artifact {ref['uri']} sha256/size mismatch")
        return data
