"""Deterministic, vectorised pseudo-random draws as Polars expressions.

Every draw is a pure function of (seed, stream name, integer key): a 32-bit integer hash
(Wellons' "lowbias32") computed with plain UInt64 arithmetic, so the same seed gives the
same values on every machine and Polars version, whatever the thread count. Streams are
independent because each stream name salts the hash differently.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from itertools import accumulate

import polars as pl

_MASK = 0xFFFFFFFF
_TWO_32 = 4294967296.0
_HEX_PAIRS = pl.Series([f"{i:02x}" for i in range(256)])
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _mix32(x: pl.Series) -> pl.Series:
    """lowbias32 on values already reduced to 32 bits; products stay below 2**64."""
    x = x ^ (x // 65536)
    x = (x * 0x7FEB352D) & _MASK
    x = x ^ (x // 32768)
    x = (x * 0x846CA68B) & _MASK
    return x ^ (x // 65536)


def _hash_keys(keys: pl.Series, first: int, second: int) -> pl.Series:
    """The 32-bit hash of each key for one stream, computed on whole columns."""
    x = (keys.cast(pl.UInt64) * 0x9E3779B1 + first) & _MASK
    return _mix32(_mix32(x) ^ second)


class Draw:
    """Source of reproducible random columns for one seed.

    `key` arguments are integer expressions (< 2**31) that identify the entity a value
    belongs to (a person, a company, a record), so a value never depends on row order.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def _salts(self, stream: str) -> tuple[int, int]:
        first = zlib.crc32(f"{self.seed}|{stream}".encode())
        second = zlib.crc32(f"{stream}|{self.seed}|salt".encode())
        return first, second

    def u32(self, key: pl.Expr, stream: str) -> pl.Expr:
        """A uniform integer in [0, 2**32) as UInt64."""
        first, second = self._salts(stream)
        # Evaluated as one batch function: as an expression tree the xor-shifts would
        # reference every intermediate twice and evaluate it exponentially often.
        return key.map_batches(
            lambda keys: _hash_keys(keys, first, second),
            return_dtype=pl.UInt64,
            is_elementwise=True,
        )

    def uniform(self, key: pl.Expr, stream: str) -> pl.Expr:
        """A uniform float in [0, 1)."""
        return self.u32(key, stream) / _TWO_32

    def chance(self, key: pl.Expr, stream: str, p: float | pl.Expr) -> pl.Expr:
        """True with probability `p` (a float or a per-row expression)."""
        return self.uniform(key, stream) < p

    def integers(self, key: pl.Expr, stream: str, low: int, high: int) -> pl.Expr:
        """A uniform Int64 in [low, high)."""
        return (self.u32(key, stream) % (high - low)).cast(pl.Int64) + low

    def pick(self, key: pl.Expr, stream: str, values: Sequence[object]) -> pl.Expr:
        """One of `values`, uniformly."""
        return pl.lit(pl.Series(list(values))).gather(self.u32(key, stream) % len(values))

    def weighted_index(self, key: pl.Expr, stream: str, weights: Sequence[float]) -> pl.Expr:
        """An index into `weights`, drawn in proportion to them (UInt32)."""
        total = float(sum(weights))
        bounds = [edge / total for edge in accumulate(weights)][:-1]
        if not bounds:
            return pl.lit(0, dtype=pl.UInt32)
        return pl.lit(pl.Series(bounds, dtype=pl.Float64)).search_sorted(
            self.uniform(key, stream), side="right"
        )

    def weighted(
        self, key: pl.Expr, stream: str, values: Sequence[object], weights: Sequence[float]
    ) -> pl.Expr:
        """One of `values`, drawn in proportion to `weights`."""
        return pl.lit(pl.Series(list(values))).gather(self.weighted_index(key, stream, weights))

    def hex(self, key: pl.Expr, stream: str, n_chars: int) -> pl.Expr:
        """A lower-case hex string of even length `n_chars` (e.g. 24 for an ObjectId)."""
        pairs = []
        for i in range(n_chars // 2):
            word = self.u32(key, f"{stream}#{i // 4}")
            byte = (word // (256 ** (i % 4))) % 256
            pairs.append(pl.lit(_HEX_PAIRS).gather(byte))
        return pl.concat_str(pairs)

    def token(self, key: pl.Expr, stream: str, n_chars: int, alphabet: str = BASE64URL) -> pl.Expr:
        """A string of `n_chars` drawn from `alphabet` (at most 64 symbols)."""
        symbols = pl.Series(list(alphabet))
        chars = []
        for i in range(n_chars):
            word = self.u32(key, f"{stream}#{i // 5}")
            chars.append(pl.lit(symbols).gather((word // (64 ** (i % 5))) % len(alphabet)))
        return pl.concat_str(chars)
