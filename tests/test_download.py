"""Dataset downloads into the cache, tested against a local HTTP server."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from astrozoo.datasets import download as download_module
from astrozoo.datasets import photoz_mgs
from astrozoo.datasets.download import Remote, download
from astrozoo.errors import InputError, IntegrityError


class FileServer:
    """Serves ``files`` (path -> bytes) on 127.0.0.1; ``truncate`` paths send half and hang up."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.truncate, self.requests = files, set(), Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests[self.path] += 1
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if self.path in server.truncate else body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def photoz_source(data_dir):
    """The real SDSS_MGS.train served over HTTP."""
    body = (data_dir / "photoz_mgs" / "SDSS_MGS.train").read_bytes()
    server = FileServer({"/photoz_mgs/SDSS_MGS.train": body})
    yield server, body
    server.close()


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ASTROZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ASTROZOO_DATA", raising=False)
    return tmp_path / "cache" / "datasets"


def test_download_verifies_and_loaders_find_the_cache(photoz_source, isolated_cache):
    server, body = photoz_source
    with pytest.raises(InputError, match="astrozoo download photoz_mgs"):
        photoz_mgs.load_splits()
    folder = download("photoz_mgs", mirror=server.url, progress=False)
    assert folder == isolated_cache / "photoz_mgs"
    assert (folder / "SDSS_MGS.train").read_bytes() == body
    sources = json.loads((folder / "SOURCES.json").read_text())
    assert sources["files"][0]["sha256"] == sources["files"][0]["published_sha256"]
    splits = photoz_mgs.load_splits()  # no data_dir, no ASTROZOO_DATA: the cache
    assert sum(len(s) for s in splits.values()) == 5000
    download("photoz_mgs", mirror=server.url, progress=False)
    assert server.requests["/photoz_mgs/SDSS_MGS.train"] == 1, "a complete download is not fetched again"


def test_a_file_that_does_not_match_its_published_sha256_is_refused(photoz_source, isolated_cache):
    server, body = photoz_source
    server.files["/photoz_mgs/SDSS_MGS.train"] = body.replace(b"0.083125", b"0.083126", 1)
    with pytest.raises(IntegrityError, match="expected sha256 f16579e5"):
        download("photoz_mgs", mirror=server.url, progress=False)
    folder = isolated_cache / "photoz_mgs"
    assert sorted(p.name for p in folder.iterdir()) == [], "nothing half-written or unverified is left"
    with pytest.raises(InputError):
        photoz_mgs.load_splits()


def test_an_interrupted_transfer_leaves_nothing_and_a_retry_completes(photoz_source, isolated_cache):
    server, body = photoz_source
    server.truncate.add("/photoz_mgs/SDSS_MGS.train")
    with pytest.raises((InputError, IntegrityError)):
        download("photoz_mgs", mirror=server.url, progress=False)
    assert list((isolated_cache / "photoz_mgs").iterdir()) == []
    server.truncate.clear()
    folder = download("photoz_mgs", mirror=server.url, progress=False)
    assert (folder / "SDSS_MGS.train").read_bytes() == body


def test_files_without_a_published_checksum_are_recorded_as_received(monkeypatch, isolated_cache):
    body = b"#zs u g\n0.1 18 17\n"
    server = FileServer({"/data/a.txt": body})
    remotes = (Remote(server.url + "/data/a.txt", "sub/a.txt"),)
    monkeypatch.setattr(photoz_mgs, "REMOTE", remotes)
    try:
        folder = download("photoz_mgs", progress=False)
    finally:
        server.close()
    record = json.loads((folder / "SOURCES.json").read_text())["files"][0]
    assert record == {"url": server.url + "/data/a.txt", "path": "sub/a.txt",
                      "sha256": hashlib.sha256(body).hexdigest(), "published_sha256": None}  # fmt: skip


def test_missing_files_and_unknown_or_manual_datasets_are_clear_errors(monkeypatch):
    server = FileServer({})
    try:
        with pytest.raises(
            InputError, match=r"Could not download http://127\.0\.0\.1:\d+/photoz_mgs/SDSS_MGS"
        ):
            download("photoz_mgs", mirror=server.url, progress=False)
    finally:
        server.close()
    with pytest.raises(InputError, match="Unknown dataset 'sdss'.*sdss_dr14"):
        download("sdss")
    with pytest.raises(InputError, match="gz2_spirals.*no direct download.*Kaggle"):
        download("gz2_spirals")


def test_remote_paths_cannot_escape_the_dataset_folder(monkeypatch):
    monkeypatch.setattr(photoz_mgs, "REMOTE", (Remote("http://127.0.0.1:9/x", "../../evil.txt"),))
    with pytest.raises(IntegrityError, match="Refusing file name"):
        download("photoz_mgs", progress=False)


def test_every_dataset_says_how_to_get_it():
    for name in download_module.DATASETS:
        module = download_module.dataset_module(name)
        remotes, manual = getattr(module, "REMOTE", ()), getattr(module, "MANUAL", "")
        assert remotes or manual, f"{name}: neither REMOTE nor MANUAL"
        for remote in remotes:
            assert remote.url.startswith("https://"), remote


def test_the_command_line_downloads_and_reports_failures(photoz_source, isolated_cache, capsys):
    from astrozoo.cli import main

    server, _ = photoz_source
    assert main(["download", "photoz_mgs", "--mirror", server.url]) == 0
    assert str(isolated_cache / "photoz_mgs") in capsys.readouterr().out
    assert main(["download", "rrlyrae_s82"]) == 2
    assert "no direct download" in capsys.readouterr().err
