"""Where downloaded datasets live.

``ASTROZOO_CACHE``, else ``$XDG_CACHE_HOME/astrozoo``, else ``~/.cache/astrozoo``.
"""

from __future__ import annotations

import os
from pathlib import Path

COMPLETE_MARKER = "SOURCES.json"  # written last, so its presence means the download finished


def cache_dir() -> Path:
    """The folder holding downloaded datasets, one subfolder each.

    Example:
        >>> import os
        >>> os.environ["ASTROZOO_CACHE"] = "/tmp/astrozoo-cache"
        >>> str(cache_dir())
        '/tmp/astrozoo-cache/datasets'
        >>> del os.environ["ASTROZOO_CACHE"]
    """
    root = os.environ.get("ASTROZOO_CACHE")
    if not root:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "astrozoo"
    return Path(root) / "datasets"


def cached_dataset(name: str) -> Path | None:
    """The dataset's folder in the cache if a download of it completed, else None."""
    folder = cache_dir() / name
    return folder if (folder / COMPLETE_MARKER).is_file() else None
