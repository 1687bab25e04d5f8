"""Recipes of the galaxy image models: galaxy-resnet (spirals, the zoo's backbone) and rings-resnet."""

from __future__ import annotations

from astrozoo import builders
from astrozoo.datasets import decals_rings, gz2_spirals
from astrozoo.folders.loading import load
from astrozoo.spec import spec
from astrozoo.training.fitting import fit
from astrozoo.training.recipes.base import Recipe, build_with, fit_with
from astrozoo.training.recipes.inputs import images

GALAXY = {"image_size": (64, 64), "channels": 3, "crop_fraction": 0.5}


def _galaxy_resnet(splits, epochs, verbose, overrides=None):
    """galaxy-resnet's ``build_and_fit``: a compact ResNet from scratch on GZ2 colour cutouts."""
    model = build_with(builders.resnet_transfer, dict(
        class_names=gz2_spirals.CLASSES, backbone="compact", image_size=GALAXY["image_size"],
        crop_fraction=GALAXY["crop_fraction"], compact_widths=(32, 64, 128), compact_blocks=(2, 2, 2),
        dropout=0.3, normalize="per_image", augment="dihedral", tta=True,
        input_info={"bands": ["g", "r", "i"], "units": "JPEG 0-255"},
    ), overrides)  # fmt: skip
    # Weight averaging steadies the validation accuracy that otherwise swings from epoch to epoch
    # (experiments/galaxy-resnet/NOTES.md).
    return fit_with(
        model, splits, epochs, verbose, overrides, batch_size=32, patience=30, weight_averaging=0.99
    )


# The crop was chosen on validation (0.5 against 0.8), the two stages by cross-validation
# (experiments/rings-resnet/NOTES.md).
RINGS = {"image_size": (64, 64), "channels": 3, "crop_fraction": 0.5}


def _rings_resnet(splits, epochs, verbose, overrides=None):
    """rings-resnet's ``build_and_fit``: galaxy-resnet's backbone under a new head, then fine-tuned whole."""
    model = build_with(builders.resnet_transfer, dict(
        class_names=decals_rings.CLASSES, backbone=load("galaxy-resnet"), backbone_weights="pretrained",
        crop_fraction=RINGS["crop_fraction"], dropout=0.3, augment="dihedral", tta=True,
        input_info={"bands": ["g", "r", "z"], "units": "JPEG 0-255"},
    ), overrides)  # fmt: skip
    builders.set_trainable_blocks(model, 0)  # 1. train the new head on a frozen backbone
    fit(model, splits["train"], splits["validation"], max(epochs // 3, 1), batch_size=16, patience=10,
        verbose=verbose)  # fmt: skip
    builders.set_trainable_blocks(model, None)  # 2. fine-tune the whole network (--set changes this stage)
    return fit_with(model, splits, epochs, verbose, overrides, batch_size=16, learning_rate=1e-4, patience=15,
                    weight_averaging=0.99)  # fmt: skip


def _rings_from_scratch(model, splits, epochs, verbose):
    """The same architecture from scratch on the same split, for the model card's comparison.

    An ensemble is compared with an ensemble of as many networks trained from scratch.
    """
    arguments, members = spec(model).arguments, 1
    if spec(model).builder == "ensemble":
        arguments, members = arguments["member_arguments"], arguments["members"]
    scratch = []
    for _ in range(members):
        network = builders.build_from_config(  # accuracy is compared, so no temperature
            "resnet_transfer", {**arguments, "backbone_source": None, "temperature": 1.0}
        )
        fit(network, splits["train"], splits["validation"], epochs, batch_size=16, patience=15,
            verbose=verbose)  # fmt: skip
        scratch.append(network)
    return {"from_scratch": scratch[0] if members == 1 else builders.ensemble_of(scratch)}


GALAXY_RESNET = Recipe(
    "galaxy-resnet",
    gz2_spirals,
    _galaxy_resnet,
    epochs=60,
    prepare=images(**GALAXY),
    description="Spiral / non-spiral from an SDSS gri colour cutout (Galaxy Zoo 2 labels); "
    "the zoo's transfer backbone.",
    limitations=(
        "The GZ2 'spiral' label also required the odd-feature vote, so the classes are not pure morphology.",
        "About one galaxy in ten is misclassified whatever the seed: in a 3-fold cross-validation "
        "of train+validation, 144 of 1363 galaxies (10.6%) were misclassified by all ten networks "
        "trained (five seeds, with and without mixup). Some of those labelled non_spiral show "
        "clear spiral arms, so part of that error is in the labels.",
        "SDSS gri JPEG colour cutouts (Kaggle GZ2 framing, galaxy in the central half). It does not "
        "carry over to DECaLS cutouts as they are: on the 358 in decals_rings (featured discs, most "
        "of which Galaxy Zoo DECaLS volunteers saw without spiral arms: median no-arms vote fraction "
        "0.62), it calls 82% spiral, and 85% of the 105 whose no-arms fraction is above 0.7. "
        "Fine-tune it on labelled cutouts of the survey you use, as rings-resnet does.",
    ),
)


RINGS_RESNET = Recipe(
    "rings-resnet",
    decals_rings,
    _rings_resnet,
    epochs=60,
    baselines=_rings_from_scratch,
    prepare=images(**RINGS),
    description="Ring / non-ring from a DECaLS colour cutout: galaxy-resnet fine-tuned.",
    limitations=(
        "Small training set (250 galaxies), and the recipe does not train reliably: some seeds "
        "stay near chance (in the cross-validation below, seed 2's first fold scored 0.471, and "
        "0.500 with stage 2's learning rate lowered to 3e-4). `astrozoo train` refuses a model no "
        "better than chance on validation; rerun it with another --seed.",
        "Far from the 0.85 it was meant to reach: its test accuracy, 31 of 54, cannot be told apart "
        "from guessing (answers that ignore the input score as well with probability 0.15), and a "
        "3-fold cross-validation of train+validation (304 galaxies) scored 0.688, 0.671 and 0.616 "
        "with seeds 0-2, against 0.621 and 0.616 for the same architecture from scratch (seeds 0 and "
        "1, same folds). The galaxy-resnet backbone has not seen ring morphology.",
        "DECaLS grz colour JPEG cutouts framed by Galaxy Zoo DECaLS.",
    ),
)
