"""Readers that turn astronomical files into model inputs.

Images (FITS, including gzip and tile-compressed, JPEG, PNG), light curves
(multi-band CSV, Kepler/TESS light-curve FITS) and catalogue tables (CSV, FITS
tables, whitespace text with a ``#`` header line). Every reader raises
`astrozoo.InputError` naming the file and what was expected.
"""

from astrozoo.io.cutouts import central_field, cutout, read_pixels
from astrozoo.io.discover import find_inputs, input_kind_of
from astrozoo.io.images import FITSHeaderWarning, ImageMeta, PixelScaleWarning, read_image
from astrozoo.io.lightcurves import NoDataWarning, lightcurve_to_sequence, read_lightcurve
from astrozoo.io.tables import numeric_cells, read_table, table_features

__all__ = [
    "FITSHeaderWarning",
    "ImageMeta",
    "NoDataWarning",
    "PixelScaleWarning",
    "central_field",
    "cutout",
    "find_inputs",
    "input_kind_of",
    "lightcurve_to_sequence",
    "numeric_cells",
    "read_image",
    "read_lightcurve",
    "read_pixels",
    "read_table",
    "table_features",
]
