"""Hub transport against a local Hub server over real HTTP, with the real huggingface_hub client."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import TINY_CONFIGS, example_input

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.cli import main
from astrozoo.errors import AstrozooError, ConfigError, IntegrityError, ModelNotFoundError
from astrozoo.folders import manifest
from astrozoo.folders.integrity import file_record


@pytest.fixture
def trained_cnn():
    model = build_from_config(*TINY_CONFIGS["cnn"][:2])
    x = example_input((4, 24, 24, 1))
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    return model, x


def test_push_then_load_reproduces_predictions(local_hub, trained_cnn):
    model, x = trained_cnn
    commit = astrozoo.push(model, "astro-tester/tiny-radio", commit_message="first upload")
    files = local_hub.files("astro-tester/tiny-radio")
    assert set(files) == {"README.md", "config.json", "metadata.json", "model.weights.h5"}
    assert b"pickle" not in files["config.json"]
    card = files["README.md"].decode()
    assert card.startswith("---\nlibrary_name: keras\n") and "- astronomy" in card
    assert 'astrozoo.load("hf://astro-tester/tiny-radio")' in card

    loaded = astrozoo.load("hf://astro-tester/tiny-radio", revision=commit)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert astrozoo.spec(loaded).name == "hf://astro-tester/tiny-radio"
    # The augmentation travelled with the weights and is active only in training.
    assert loaded.get_layer("augmentation").__class__.__name__ == "RandomDihedral"
    assert any(not np.array_equal(loaded(x, training=True), loaded(x, training=True)) for _ in range(5))


def test_revisions_are_pinned(local_hub, trained_cnn):
    model, x = trained_cnn
    first = astrozoo.push(model, "astro-tester/tiny-radio")
    before = model.predict(x, verbose=0)
    model.set_weights([w + 0.1 for w in model.get_weights()])
    second = astrozoo.push(model, "astro-tester/tiny-radio")
    assert first != second
    pinned = astrozoo.load("hf://astro-tester/tiny-radio", revision=first)
    np.testing.assert_array_equal(pinned.predict(x, verbose=0), before)
    latest = astrozoo.load("hf://astro-tester/tiny-radio")
    np.testing.assert_array_equal(latest.predict(x, verbose=0), model.predict(x, verbose=0))


def test_cli_push_a_folder(local_hub, trained_cnn, tmp_path, capsys):
    model, x = trained_cnn
    folder = astrozoo.save(model, tmp_path / "my-radio", metrics={"test": {"accuracy": 0.9, "n": 10}})
    assert main(["push", str(folder), "astro-tester/my-radio", "--message", "radio v1"]) == 0
    assert 'astrozoo.load("hf://astro-tester/my-radio"' in capsys.readouterr().out
    card = local_hub.files("astro-tester/my-radio")["README.md"].decode()
    assert "- type: accuracy\n      value: 0.9" in card
    loaded = astrozoo.load("hf://astro-tester/my-radio")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_tampered_weights_are_refused_and_evicted(local_hub, trained_cnn, tmp_path):
    model, _ = trained_cnn
    astrozoo.push(model, "astro-tester/tiny-radio")
    weights = bytearray(local_hub.files("astro-tester/tiny-radio")["model.weights.h5"])
    weights[len(weights) // 2] ^= 0xFF
    local_hub.tamper("astro-tester/tiny-radio", "model.weights.h5", bytes(weights))
    with pytest.raises(IntegrityError, match="sha256"):
        astrozoo.load("hf://astro-tester/tiny-radio")
    cached = list((tmp_path / "hf-cache").rglob("model.weights.h5"))
    assert not [p for p in cached if p.exists()], "a file that failed verification stayed in the cache"


@pytest.mark.parametrize("name", ["../../escape.h5", "/etc/passwd"])
def test_traversal_names_in_repo_metadata_are_refused(local_hub, trained_cnn, tmp_path, name):
    model, _ = trained_cnn
    folder = astrozoo.save(model, tmp_path / "m")
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["files"][name] = {"sha256": "0" * 64, "size": 1}
    (folder / "metadata.json").write_text(json.dumps(metadata))
    _upload_raw(local_hub, folder, "astro-tester/evil")
    with pytest.raises(IntegrityError, match="relative name inside the model folder"):
        astrozoo.load("hf://astro-tester/evil")


def test_unknown_builder_in_a_repo_is_refused(local_hub, trained_cnn, tmp_path):
    model, _ = trained_cnn
    folder = astrozoo.save(model, tmp_path / "m")
    (folder / "config.json").write_text(json.dumps({"builder": "keras_layers_lambda", "arguments": {}}))
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["files"]["config.json"] = file_record(folder / "config.json")
    (folder / "metadata.json").write_text(json.dumps(metadata))
    _upload_raw(local_hub, folder, "astro-tester/evil")
    with pytest.raises(ConfigError, match="Unknown builder 'keras_layers_lambda'"):
        astrozoo.load("hf://astro-tester/evil")


def test_missing_repo_revision_and_bad_reference(local_hub, trained_cnn):
    with pytest.raises(ModelNotFoundError, match="no such repository"):
        astrozoo.load("hf://astro-tester/nothing-here")
    astrozoo.push(trained_cnn[0], "astro-tester/tiny-radio")
    with pytest.raises(ModelNotFoundError, match="no such revision"):
        astrozoo.load("hf://astro-tester/tiny-radio", revision="0" * 40)
    with pytest.raises(ModelNotFoundError, match="hf://org/name"):
        astrozoo.load("hf://just-a-name")


def test_offline_uses_the_cache_and_explains_a_miss(local_hub, trained_cnn, monkeypatch):
    model, x = trained_cnn
    commit = astrozoo.push(model, "astro-tester/tiny-radio")
    astrozoo.load("hf://astro-tester/tiny-radio", revision=commit)  # seeds the cache
    local_hub.close()  # nothing can be fetched any more
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = astrozoo.load("hf://astro-tester/tiny-radio", revision=commit)
    np.testing.assert_array_equal(offline.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(AstrozooError, match=r"hf://astro-tester/other.*HF_HUB_OFFLINE=1"):
        astrozoo.load("hf://astro-tester/other")


def test_push_while_offline_is_a_clear_error(local_hub, trained_cnn, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        AstrozooError, match=r"Cannot push to 'astro-tester/tiny-radio': HF_HUB_OFFLINE is set"
    ):
        astrozoo.push(trained_cnn[0], "astro-tester/tiny-radio")
    assert local_hub.repos == {}  # nothing was sent


def test_zoo_model_without_shipped_weights_downloads_its_pinned_revision(
    local_hub, trained_cnn, tmp_path, monkeypatch
):
    model, x = trained_cnn
    folder = astrozoo.save(model, tmp_path / "tiny-radio", name="tiny-radio")
    commit = astrozoo.push(folder, "astrozoo/tiny-radio")
    published = tmp_path / "published"
    published.mkdir()
    for name, content in local_hub.files("astrozoo/tiny-radio", commit).items():
        (published / name).write_bytes(content)
    spec = astrozoo.spec(model)
    entry = {
        "summary": manifest.summary(spec),
        "hub": {"repo_id": "astrozoo/tiny-radio", "revision": commit},
        "files": {p.name: file_record(p) for p in published.iterdir()},
    }
    manifest_path = tmp_path / "weights_manifest.json"
    manifest_path.write_text(json.dumps({"format_version": 2, "models": {"tiny-radio": entry}}))
    monkeypatch.setattr(manifest, "MANIFEST_PATH", manifest_path)
    monkeypatch.setattr(manifest, "WEIGHTS_DIR", tmp_path / "not-installed")
    loaded = astrozoo.load("tiny-radio")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    pinned = {"repo_id": "astrozoo/tiny-radio", "revision": commit}
    assert astrozoo.spec(loaded).hub == astrozoo.resolve_spec("tiny-radio").hub == pinned

    # A repo whose content no longer matches the manifest's sha256 is refused.
    local_hub.tamper("astrozoo/tiny-radio", "config.json", b'{"builder": "cnn", "arguments": {}}')
    for cached in (tmp_path / "hf-cache").rglob("config.json"):
        cached.unlink()
    with pytest.raises(IntegrityError, match="config.json"):
        astrozoo.load("tiny-radio")


def test_concurrent_loads_download_once(local_hub, trained_cnn, tmp_path):
    model, _ = trained_cnn
    astrozoo.push(model, "astro-tester/tiny-radio")
    script = textwrap.dedent(
        """
        import astrozoo
        model = astrozoo.load("hf://astro-tester/tiny-radio")
        print(model.count_params())
        """
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err[-2000:] for _, err in outputs]
    assert {out.strip().splitlines()[-1] for out, _ in outputs} == {str(model.count_params())}
    weight_gets = [
        n for (method, path), n in local_hub.requests.items()
        if method == "GET" and path.endswith("/model.weights.h5")
    ]  # fmt: skip
    assert sum(weight_gets) == 1


def _upload_raw(local_hub, folder, repo_id):
    """Uploads a folder as-is (no astrozoo checks), as a hostile publisher would."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=local_hub.endpoint, token="hf_fake")
    api.create_repo(repo_id, exist_ok=True)
    api.upload_folder(repo_id=repo_id, folder_path=str(folder))
