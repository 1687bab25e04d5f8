"""Readers that turn astronomical files into model inputs.

Images (FITS, including gzip and tile-compressed, JPEG, PNG), light curves
(multi-band CSV, Kepler/TESS light-curve FITS) and catalogue tables (CSV, FITS
tables, whitespace text with a ``#`` header line). Every reader raises
`astrozoo.InputError` naming the file and what was expected. `read_model_input`
and the readers of `astrozoo.io.model_inputs` read them as models do;
`astrozoo.io.period_search` finds a light curve's period.
"""

from astrozoo.io.cutouts import central_field, cutout, read_pixels
from astrozoo.io.discover import find_inputs, input_kind_of
from astrozoo.io.images import FITSHeaderWarning, ImageMeta, PixelScaleWarning, read_image
from astrozoo.io.lightcurves import (
    NoDataWarning,
    lightcurve_to_sequence,
    pad_sequences,
    read_lightcurve,
    sequence_channels,
)
from astrozoo.io.model_inputs import (
    ImageInput,
    LightCurveInput,
    TableRows,
    read_image_input,
    read_lightcurve_input,
    read_model_input,
    read_table_rows,
)
from astrozoo.io.period_search import find_period
from astrozoo.io.tables import numeric_cells, read_table, table_features

__all__ = [
    "FITSHeaderWarning",
    "ImageInput",
    "ImageMeta",
    "LightCurveInput",
    "NoDataWarning",
    "PixelScaleWarning",
    "TableRows",
    "central_field",
    "cutout",
    "find_inputs",
    "find_period",
    "input_kind_of",
    "lightcurve_to_sequence",
    "numeric_cells",
    "pad_sequences",
    "read_image",
    "read_image_input",
    "read_lightcurve",
    "read_lightcurve_input",
    "read_model_input",
    "read_pixels",
    "read_table",
    "read_table_rows",
    "sequence_channels",
    "table_features",
]
