"""Where a table model's training values lay, to flag inputs far outside them.

Catalogues mark a missing measurement with sentinels (SDSS: -9999; others 99 or
-99) and some give fluxes where a model expects magnitudes. A network answers
such rows with confidence all the same (photoz-mlp predicts z = 393 for r = -9999),
so `astrozoo.predict` warns about them, row by row, from the statistics the
model's own Normalization layer adapted on its training rows.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from astrozoo.layers import TabularFeatures


class InputRangeWarning(UserWarning):
    """A table value lies far outside what the model was trained on (a no-data flag, other units)."""


OUT_OF_RANGE_SIGMA = 25.0
"""How many training standard deviations from the training mean a value may lie before a warning.

The zoo's own catalogues stay within 7.4 (magnitudes) and 18.3 (OGLE's heavy-tailed periods, amplitudes
and Fourier ratios) of their models' training means; SDSS's -9999 lies over 10,000 away, 99 over 90."""


@dataclasses.dataclass(frozen=True)
class TrainingSpread:
    """The mean and standard deviation of each input column a table model was trained on.

    Attributes:
        columns: input column names, in the model's order.
        mean: training mean of each column.
        std: training standard deviation of each column.
    """

    columns: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray

    def outside(
        self, rows: np.ndarray, missing_value: float | None = None, sigmas: float = OUT_OF_RANGE_SIGMA
    ) -> np.ndarray:
        """Which values of ``rows`` (n, columns) lie more than ``sigmas`` deviations from the mean.

        Non-finite values and ``missing_value`` are left to the missing-value handling.

        Example:
            >>> spread = TrainingSpread(("u", "g"), np.array([18.6, 17.4]), np.array([0.83, 0.95]))
            >>> spread.outside(np.array([[-9999.0, 18.0], [24.0, np.nan]])).tolist()
            [[True, False], [False, False]]
        """
        rows = np.asarray(rows, dtype=np.float64)
        present = np.isfinite(rows)
        if missing_value is not None:
            present &= ~np.isclose(rows, missing_value, rtol=1e-6)  # a float32 -99.99 is not float64's
        return present & (np.abs(rows - self.mean) > sigmas * np.maximum(self.std, 1e-12))

    def describe(
        self, row: np.ndarray, missing_value: float | None = None, sigmas: float = OUT_OF_RANGE_SIGMA
    ) -> str:
        """Names the values of one ``row`` that `outside` flags, or returns "".

        Example:
            >>> spread = TrainingSpread(("u", "g"), np.array([18.6, 17.4]), np.array([0.83, 0.95]))
            >>> print(spread.describe(np.array([-9999.0, 18.0])))
            u = -9999 is 12069 standard deviations from its training mean 18.6 (a no-data flag? other units?)
            >>> spread.describe(np.array([24.0, 12.0]))
            ''
        """
        row = np.asarray(row, dtype=np.float64)
        flagged = np.flatnonzero(self.outside(row[np.newaxis], missing_value, sigmas)[0])
        if not len(flagged):
            return ""
        named = ", ".join(
            f"{self.columns[j]} = {row[j]:.6g} is {abs(row[j] - self.mean[j]) / self.std[j]:.0f} standard "
            f"deviations from its training mean {self.mean[j]:.4g}"
            for j in flagged
        )
        return f"{named} (a no-data flag? other units?)"


def training_spread(model: keras.Model) -> TrainingSpread | None:
    """The training mean and spread of a table model's raw input columns, from its Normalization layer.

    astrozoo's `mlp` adapts a Normalization layer on its training rows right after
    `TabularFeatures`, whose first outputs are the raw columns (missing values
    counted as 0). An ensemble's members share the first member's statistics.

    Returns:
        A `TrainingSpread`, or None for models without that pair of layers (images,
        light curves, a table model whose normalization was never adapted).

    Example:
        >>> import numpy as np, astrozoo
        >>> rows = np.random.default_rng(0).normal([18.0, 17.0], 0.5, (200, 2))
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"], adapt_data=rows)
        >>> spread = training_spread(model)
        >>> spread.columns, spread.mean.round(1).tolist(), spread.std.round(1).tolist()
        (('g', 'r'), [18.0, 17.0], [0.5, 0.5])
    """
    layers = list(model._flatten_layers())  # nested models too (as fitting.reestimate_batch_norm does)
    features = next((layer for layer in layers if isinstance(layer, TabularFeatures)), None)
    normalization = next((layer for layer in layers if isinstance(layer, keras.layers.Normalization)), None)
    if features is None or normalization is None or not normalization.built:
        return None
    n = len(features.features)
    mean = np.ravel(keras.ops.convert_to_numpy(normalization.mean))[:n].astype(np.float64)
    std = np.sqrt(np.ravel(keras.ops.convert_to_numpy(normalization.variance))[:n].astype(np.float64))
    never_adapted = np.all(mean == 0.0) and np.all(std == 1.0)  # Keras' initial statistics
    if len(mean) != n or never_adapted or not np.all(np.isfinite(mean) & np.isfinite(std)):
        return None
    return TrainingSpread(tuple(features.features), mean, std)
