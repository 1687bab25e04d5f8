"""Representations: each input's vector from a model's backbone, its nearest neighbours and anomaly scores.

`embed` runs a model up to the vector its head reads (`astrozoo.embedding.encoders`
says which, for each kind of model), with `astrozoo.predict`'s reading, batching
and error rows; `similar` finds the rows nearest a query and `anomaly_scores`
ranks the rows least like the others, both by cosine distance. The search needs
no Keras: what does is imported on first use.
"""

from typing import TYPE_CHECKING

from astrozoo.embedding.neighbours import anomaly_scores, similar
from astrozoo.lazy import lazy_attributes

if TYPE_CHECKING:
    from astrozoo.embedding.encoders import encoder
    from astrozoo.embedding.run import embed, embed_chunks

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "encoder": "astrozoo.embedding.encoders",
        "embed": "astrozoo.embedding.run",
        "embed_chunks": "astrozoo.embedding.run",
    },
)

__all__ = ["anomaly_scores", "embed", "embed_chunks", "encoder", "similar"]
