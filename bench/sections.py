"""BENCHMARKS.md is written by several bench scripts: each owns one part and leaves the others as they are."""

from __future__ import annotations

from pathlib import Path


def write_section(path: str | Path, heading: str | None, lines: list[str]) -> None:
    """Replaces the part of ``path`` that ``heading`` starts (up to the next ``## `` heading) with ``lines``.

    ``heading`` None is the file's opening part, before its first ``## `` heading; a heading the file
    lacks is appended.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    parts = [""]  # parts[0]: the opening; then one part per "## " heading
    for line in text.splitlines():
        if line.startswith("## "):
            parts.append("")
        parts[-1] += line + "\n"
    new = "\n".join(lines).rstrip("\n") + "\n"
    index = (
        0 if heading is None else next((i for i, p in enumerate(parts) if p.startswith(heading + "\n")), None)
    )
    if index is None:
        parts.append(new)
    else:
        parts[index] = new
    path.write_text("\n".join(part.rstrip("\n") + "\n" for part in parts if part), encoding="utf-8")
