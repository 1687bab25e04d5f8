"""Batch prediction over files, folders, arrays and tables, one row per input object.

`predict` returns the whole result as one table; `predict_chunks` yields it a chunk at a
time, in input order, so that a catalogue of any length is predicted in bounded memory
(the command line writes each chunk as it comes).
"""

from astrozoo.prediction.results import output_columns
from astrozoo.prediction.run import predict, predict_chunks

__all__ = ["output_columns", "predict", "predict_chunks"]
