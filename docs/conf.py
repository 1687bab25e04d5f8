"""Sphinx configuration of the astrozoo documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
The tutorials in ``notebooks/`` are copied into ``docs/notebooks/`` at build time
(Sphinx reads sources only from inside ``docs/``) and rendered without running.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this checkout's astrozoo, installed or not
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _copy_notebooks() -> None:
    """Mirrors ``notebooks/*.ipynb`` into ``docs/notebooks/`` (git-ignored), replacing stale copies."""
    target = DOCS / "notebooks"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(notebook, target / notebook.name)


_copy_notebooks()

import astrozoo  # noqa: E402

project = "astrozoo"
author = "the astrozoo authors"
copyright = "the astrozoo authors"
release = astrozoo.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]

# Notebooks need the real data and minutes of training: show them as written, never run them.
nb_execution_mode = "off"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Docstrings are Google style; types live in the annotations.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Single backticks in the docstrings name Python objects.
default_role = "py:obj"

html_theme = "furo"
html_title = f"astrozoo {release}"

# A bare "|" in a docstring (NMAD = median(|dz - median(dz)|)) is reST's substitution syntax;
# escape it outside inline literals and interpreted text so formulas read as written.
_LITERAL = re.compile(r"(``.+?``|`[^`]+`)")


def _escape_bars(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if "|" in line and not line.lstrip().startswith(("|", "+")):
            parts = _LITERAL.split(line)
            lines[i] = "".join(p if k % 2 else p.replace("|", r"\|") for k, p in enumerate(parts))


def setup(app):
    app.connect("autodoc-process-docstring", _escape_bars)
