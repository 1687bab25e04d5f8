"""Model folders: what they hold, how they are verified, saved, loaded, downloaded and published.

A model folder holds ``config.json`` (builder name and arguments),
``model.weights.h5`` (weights only), ``metadata.json`` (the model's spec,
library versions, parameter count, and each file's sha256 and size) and
``README.md`` (its model card). The modules, each resting only on those listed
before it:

- `astrozoo.folders.integrity`: sha256 records, verification, atomic writes.
- `astrozoo.folders.validation`: the shape of a folder's JSON, argument caps, symlinks, finite weights.
- `astrozoo.folders.manifest`: the zoo manifest, `weights_manifest.json` (hashes, Hub pins, summaries).
- `astrozoo.folders.files`: the file names, reading a folder's JSON, `folder_spec`.
- `astrozoo.folders.card`: the model card rendered from a spec.
- `astrozoo.folders.transport`: verified downloads from the Hugging Face Hub.
- `astrozoo.folders.zoo`: a zoo name's verified folder, and `resolve_spec`.
- `astrozoo.folders.saving`: `save`.
- `astrozoo.folders.loading`: `load` (zoo name, folder or ``hf://``), `load_folder`.
- `astrozoo.folders.publishing`: `push` to the Hub.

Nothing here is imported with the package, so ``import astrozoo.folders.files``
starts without Keras.
"""
