"""A pytest plugin for astrozoo's own test suite: temporary files stay under each test's ``tmp_path``.

Loaded by ``-p astrozoo.testing.tempfiles`` in ``setup.cfg``, so it covers the
tests in ``tests/`` and the docstring examples in the package alike.
"""

from __future__ import annotations

import tempfile

import pytest


@pytest.fixture(autouse=True)
def _temporary_files_under_tmp_path(tmp_path, monkeypatch):
    """Points `tempfile` at the test's own folder, which pytest cleans up.

    The docstring examples make folders with ``tempfile.mkdtemp()`` as a user
    would; without this, every test run left them in the system's temporary folder.
    """
    folder = tmp_path / "tempfile"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
