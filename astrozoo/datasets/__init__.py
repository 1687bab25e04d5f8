"""The real datasets astrozoo's models are trained on, with deterministic splits.

Each module reads its dataset from ``data_dir``, else the ``ASTROZOO_DATA``
environment variable, and knows the public origin of the data.
"""

from astrozoo.datasets.base import Split, data_root, stratified_split

__all__ = ["Split", "data_root", "stratified_split"]
