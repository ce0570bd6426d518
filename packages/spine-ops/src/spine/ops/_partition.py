"""Canonical partition keys: re-exported from :mod:`spine.db.encoding`, which owns them.

The encoding is the storage contract of the core tables (``docs/core-schema.md``): one
canonical JSON text and one sha256 per logical partition. spine-ops keeps these names so that
``from spine.ops import canonical_partition_key, partition_hash`` keeps working.

Example:
    >>> partition_hash({"b": 1, "a": 2}) == partition_hash({"a": 2, "b": 1})
    True
"""

from __future__ import annotations

from spine.db.encoding import (
    MAX_PARTITION_KEY_LENGTH,
    PartitionKey,
    canonical_partition_key,
    canonical_partition_value,
    decode_partition_key,
    encode_partition_key,
    partition_hash,
)

__all__ = [
    "MAX_PARTITION_KEY_LENGTH",
    "PartitionKey",
    "canonical_partition_key",
    "canonical_partition_value",
    "decode_partition_key",
    "encode_partition_key",
    "partition_hash",
]
