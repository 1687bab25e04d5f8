"""The declared dependencies: the oldest versions CI tests (.ci/oldest) are setup.cfg's lower bounds."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lower_bounds() -> dict[str, str]:
    """``name -> version`` for each ``name>=version`` of setup.cfg's install_requires."""
    text = (ROOT / "setup.cfg").read_text()
    block = text.split("install_requires =\n", 1)[1]
    bounds = {}
    for line in block.splitlines():
        if not line.startswith((" ", "\t")):
            break
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement).groups()
            bounds[name.lower()] = version
    return bounds


def test_oldest_constraints_pin_every_lower_bound_of_setup_cfg():
    pins = {}
    for line in (ROOT / ".ci" / "oldest-constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9.]+)\.\*", line.strip()).groups()
            pins[name.lower()] = version
    bounds = _lower_bounds()
    assert "tensorflow" in bounds and "pyarrow" in bounds
    assert pins == bounds, "each install_requires 'name>=X' needs 'name==X.*' in .ci/oldest-constraints.txt"
