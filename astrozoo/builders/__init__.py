"""Keras model builders: MLP, CNN, ResNet transfer, LSTM/GRU, and deep ensembles of them.

Each builder returns a `keras.Model` with its preprocessing and a
training-only augmentation stage inside, and records its own arguments so the
model can be saved as JSON config plus weights and rebuilt exactly.
"""

from astrozoo.builders.cnn import cnn
from astrozoo.builders.ensemble import ensemble, ensemble_of
from astrozoo.builders.mlp import mlp
from astrozoo.builders.recurrent import recurrent
from astrozoo.builders.registry import BUILDERS, build_from_config, copy_weights, register_builder
from astrozoo.builders.resnet import backbone_blocks, compact_resnet, resnet_transfer, set_trainable_blocks

__all__ = [
    "BUILDERS",
    "backbone_blocks",
    "build_from_config",
    "cnn",
    "compact_resnet",
    "copy_weights",
    "ensemble",
    "ensemble_of",
    "mlp",
    "recurrent",
    "register_builder",
    "resnet_transfer",
    "set_trainable_blocks",
]
