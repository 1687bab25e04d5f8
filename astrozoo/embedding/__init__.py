"""Representations: each input's vector from a model's backbone, its nearest neighbours and anomaly scores.

`embed` runs a model up to the vector its head reads (`encoders` says which, for
each kind of model), with `astrozoo.predict`'s reading, batching and error rows;
`similar` finds the rows nearest a query and `anomaly_scores` ranks the rows
least like the others, both by cosine distance.
"""

from astrozoo.embedding.encoders import encoder
from astrozoo.embedding.neighbours import anomaly_scores, similar
from astrozoo.embedding.run import embed, embed_chunks

__all__ = ["anomaly_scores", "embed", "embed_chunks", "encoder", "similar"]
