"""A small in-memory Hugging Face Hub for tests and offline tutorials, speaking the HTTP API
huggingface_hub 2.x uses.

It stores repos as a list of commits (path -> bytes) and LFS objects by sha256,
and answers create_repo, upload_folder (preupload, LFS batch/upload/verify,
ndjson commit), repo_info, list_repo_tree, hf_hub_download and
snapshot_download. Requests are counted in ``hub.requests`` so tests can check
how many downloads happened.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

LFS_THRESHOLD = 1024  # files larger than this go through LFS, like binary weights on the real Hub


class LocalHub:
    """Starts the server on 127.0.0.1 on a free port; ``endpoint`` is its base URL.

    Nothing is written to disk and nothing leaves the machine; the repositories
    live as long as the object. Use it as a context manager, or call `close`.
    It speaks the LFS upload protocol, not Xet: set ``HF_HUB_DISABLE_XET=1``
    before ``huggingface_hub`` is first imported.

    Example:
        >>> import os
        >>> from huggingface_hub import HfApi
        >>> with LocalHub() as hub:
        ...     api = HfApi(endpoint=hub.endpoint, token=hub.token)
        ...     url = api.create_repo("me/demo", exist_ok=True)
        ...     sorted(hub.repos)
        ['me/demo']
    """

    token = "hf_local_hub_token"

    def __init__(self):
        self.repos: dict[str, dict] = {}
        self.lfs: dict[str, bytes] = {}
        self.requests: Counter = Counter()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def environment(self) -> dict[str, str]:
        """The variables that point ``huggingface_hub`` (and so astrozoo) at this server."""
        return {"HF_ENDPOINT": self.endpoint, "HF_TOKEN": self.token, "HF_HUB_DISABLE_XET": "1"}

    def close(self):
        """Stops the server."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        """The files of a repo at a branch or commit."""
        return dict(self._commit(repo_id, revision)["files"])

    def tamper(self, repo_id: str, path: str, content: bytes) -> None:
        """Replaces a file's bytes in place, without a new commit (a compromised mirror)."""
        commit = self._commit(repo_id, "main")
        commit["files"][path] = content

    def _commit(self, repo_id: str, revision: str) -> dict:
        repo = self.repos[repo_id]
        sha = repo["branches"].get(revision, revision)
        for commit in repo["commits"]:
            if commit["sha"] == sha:
                return commit
        raise KeyError(revision)


def _git_blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _handler(hub: LocalHub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output quiet
            pass

        # -- plumbing ------------------------------------------------------------------
        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status, payload=None, headers=None, body=None):
            if body is None:
                body = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _error(self, status, code, message):
            self._send(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message})

        def _route(self):
            path = unquote(urlparse(self.path).path)
            hub.requests[(self.command, path)] += 1
            for method, pattern, action in routes:
                match = re.fullmatch(pattern, path)
                if method == self.command and match:
                    with hub.lock:
                        return action(self, **match.groupdict())
            return self._error(404, "EntryNotFound", f"no route for {self.command} {path}")

        do_GET = do_POST = do_PUT = do_HEAD = _route  # noqa: N815

        # -- API -----------------------------------------------------------------------
        def whoami(self):
            self._send(
                200, {"name": "astro-tester", "type": "user", "orgs": [], "auth": {"type": "access_token"}}
            )

        def validate_yaml(self):
            self._body()
            self._send(200, {"errors": [], "warnings": []})

        def create_repo(self):
            request = json.loads(self._body())
            repo_id = f"{request.get('organization') or 'astro-tester'}/{request['name']}"
            if repo_id in hub.repos:
                return self._send(409, {"error": "You already created this model repo", "url": repo_id})
            empty = {"sha": hashlib.sha1(repo_id.encode()).hexdigest(), "files": {}}
            hub.repos[repo_id] = {"commits": [empty], "branches": {"main": empty["sha"]},
                                  "private": bool(request.get("private"))}  # fmt: skip
            self._send(200, {"url": f"{hub.endpoint}/{repo_id}", "name": repo_id})

        def _repo(self, ns, name):
            repo_id = f"{ns}/{name}"
            if repo_id not in hub.repos:
                self._error(404, "RepoNotFound", f"Repository {repo_id} not found")
                return None
            return repo_id

        def _repo_commit(self, ns, name, rev):
            """(repo id, commit) of a request, or (None, None) after answering 404."""
            repo_id = self._repo(ns, name)
            if not repo_id:
                return None, None
            try:
                return repo_id, hub._commit(repo_id, rev or "main")
            except KeyError:
                self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                return None, None

        def preupload(self, ns, name, rev):
            request = json.loads(self._body())
            if not self._repo(ns, name):
                return None
            files = [
                {"path": f["path"], "uploadMode": "lfs" if f["size"] > LFS_THRESHOLD else "regular",
                 "shouldIgnore": False, "oid": None}
                for f in request["files"]
            ]  # fmt: skip
            return self._send(200, {"files": files, "commitOid": None})

        def lfs_batch(self, ns, name):
            request = json.loads(self._body())
            objects = []
            for obj in request["objects"]:
                entry = {"oid": obj["oid"], "size": obj["size"]}
                if obj["oid"] not in hub.lfs:
                    entry["actions"] = {
                        "upload": {"href": f"{hub.endpoint}/lfs-objects/{obj['oid']}"},
                        "verify": {"href": f"{hub.endpoint}/lfs-verify"},
                    }
                objects.append(entry)
            self._send(200, {"transfer": "basic", "objects": objects})

        def lfs_upload(self, oid):
            content = self._body()
            if hashlib.sha256(content).hexdigest() != oid:
                return self._send(400, {"error": "sha256 mismatch"})
            hub.lfs[oid] = content
            return self._send(200, {})

        def lfs_verify(self):
            request = json.loads(self._body())
            ok = request["oid"] in hub.lfs and len(hub.lfs[request["oid"]]) == request["size"]
            self._send(200 if ok else 404, {"message": "ok" if ok else "missing"})

        def commit(self, ns, name, rev):
            lines = [json.loads(line) for line in self._body().decode().splitlines() if line.strip()]
            repo_id, parent = self._repo_commit(ns, name, rev)
            if parent is None:
                return None
            files = dict(parent["files"])
            summary = ""
            for line in lines:
                key, value = line["key"], line["value"]
                if key == "header":
                    summary = value.get("summary", "")
                elif key == "file":
                    files[value["path"]] = base64.b64decode(value["content"])
                elif key == "lfsFile":
                    if value["oid"] not in hub.lfs:
                        return self._send(422, {"error": f"LFS object {value['oid']} was never uploaded"})
                    files[value["path"]] = hub.lfs[value["oid"]]
                elif key == "deletedFile":
                    files.pop(value["path"], None)
            sha = hashlib.sha1(json.dumps([parent["sha"], summary, sorted(files)]).encode()).hexdigest()
            sha = hashlib.sha1((sha + str(len(hub.repos[repo_id]["commits"]))).encode()).hexdigest()
            hub.repos[repo_id]["commits"].append({"sha": sha, "files": files, "summary": summary})
            hub.repos[repo_id]["branches"][rev if rev in hub.repos[repo_id]["branches"] else "main"] = sha
            return self._send(200, {"commitUrl": f"{hub.endpoint}/{repo_id}/commit/{sha}", "commitOid": sha,
                                    "pullRequestUrl": None})  # fmt: skip

        def model_info(self, ns, name, rev=None):
            repo_id, commit = self._repo_commit(ns, name, rev)
            if commit is None:
                return None
            siblings = [{"rfilename": p} for p in sorted(commit["files"])]
            info = {"id": repo_id, "modelId": repo_id, "sha": commit["sha"], "siblings": siblings,
                    "private": hub.repos[repo_id]["private"], "tags": [], "downloads": 0}  # fmt: skip
            return self._send(200, info)

        def tree(self, ns, name, rev, subpath=""):
            _repo_id, commit = self._repo_commit(ns, name, rev)
            if commit is None:
                return None
            entries = []
            for path, content in sorted(commit["files"].items()):
                if subpath and not path.startswith(subpath.rstrip("/") + "/"):
                    continue
                entry = {"type": "file", "path": path, "size": len(content), "oid": _git_blob_sha(content)}
                if len(content) > LFS_THRESHOLD:
                    entry["lfs"] = {"oid": hashlib.sha256(content).hexdigest(), "size": len(content),
                                    "pointerSize": 134}  # fmt: skip
                entries.append(entry)
            return self._send(200, entries)

        def resolve(self, ns, name, rev, filename):
            _repo_id, commit = self._repo_commit(ns, name, rev)
            if commit is None:
                return None
            if filename not in commit["files"]:
                return self._error(404, "EntryNotFound", f"{filename} does not exist at {rev}")
            content = commit["files"][filename]
            headers = {"X-Repo-Commit": commit["sha"], "ETag": f'"{_git_blob_sha(content)}"',
                       "Content-Type": "application/octet-stream"}  # fmt: skip
            if len(content) > LFS_THRESHOLD:
                # The real Hub redirects LFS files to a CDN and links the sha256; the recorded hash
                # is that of the uploaded object, so a later in-place tamper shows as a mismatch.
                recorded = next((oid for oid, blob in hub.lfs.items() if blob == content), None)
                recorded = recorded or hashlib.sha256(b"tampered" + content).hexdigest()
                headers.update({"X-Linked-Etag": f'"{recorded}"', "X-Linked-Size": str(len(content))})
            return self._send(200, headers=headers, body=content)

    ns = r"(?P<ns>[\w.-]+)/(?P<name>[\w.-]+)"
    routes = [
        ("GET", r"/api/whoami-v2", Handler.whoami),
        ("POST", r"/api/validate-yaml", Handler.validate_yaml),
        ("POST", r"/api/repos/create", Handler.create_repo),
        ("POST", rf"/api/models/{ns}/preupload/(?P<rev>[^/]+)", Handler.preupload),
        ("POST", rf"/{ns}\.git/info/lfs/objects/batch", Handler.lfs_batch),
        ("PUT", r"/lfs-objects/(?P<oid>[0-9a-f]{64})", Handler.lfs_upload),
        ("POST", r"/lfs-verify", Handler.lfs_verify),
        ("POST", rf"/api/models/{ns}/commit/(?P<rev>[^/]+)", Handler.commit),
        ("GET", rf"/api/models/{ns}", Handler.model_info),
        ("GET", rf"/api/models/{ns}/revision/(?P<rev>[^/]+)", Handler.model_info),
        ("GET", rf"/api/models/{ns}/tree/(?P<rev>[^/]+)(?:/(?P<subpath>.*))?", Handler.tree),
        ("HEAD", rf"/{ns}/resolve/(?P<rev>[^/]+)/(?P<filename>.+)", Handler.resolve),
        ("GET", rf"/{ns}/resolve/(?P<rev>[^/]+)/(?P<filename>.+)", Handler.resolve),
    ]
    return Handler
