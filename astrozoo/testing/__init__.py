"""Helpers for testing and tutorials without the internet.

`LocalHub` is a small in-memory Hugging Face Hub on 127.0.0.1: point ``HF_ENDPOINT``
at it and `astrozoo.push` / `astrozoo.load("hf://...")` talk to it through the
real ``huggingface_hub`` client, exactly as they would to huggingface.co.
"""

from astrozoo.testing.local_hub import LocalHub

__all__ = ["LocalHub"]
