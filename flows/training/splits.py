"""The stable hash behind every deterministic train/test split in `flows.training`.

Each data module keeps its own salt, separator, hash and arithmetic: the shipped models were
trained on the splits they give, so none of them may change.
"""

from __future__ import annotations

import hashlib


def hash_prefix(key: str, salt: str, separator: str, algorithm: str, n_bytes: int = 8) -> int:
    """The first `n_bytes` of the `algorithm` digest of `salt + separator + key`, read as a
    big-endian integer: the same on every machine and Python run.

    Args:
        key: what is split (an example's group id).
        salt: names the split, so that other splits of the same keys are independent.
        separator: between salt and key ("" for none).
        algorithm: a `hashlib` name ("sha1", "sha256").
        n_bytes: how many leading digest bytes to read.

    Returns:
        An integer in [0, 256 ** n_bytes).
    """
    digest = hashlib.new(algorithm, f"{salt}{separator}{key}".encode()).digest()
    return int.from_bytes(digest[:n_bytes], "big")
