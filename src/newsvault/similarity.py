"""Text fingerprints for change and copy detection: normalised hash and SimHash (pure, stdlib).

A revision is a change of the normalised text (whitespace and case do not count); a copy of
a story on another site is a text whose 64-bit SimHash differs in few bits (Charikar 2002;
the measure web-scale near-duplicate detection uses, Manku et al. 2007).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: Words are shingled in threes: single words make unrelated texts look alike, longer
#: shingles make a lightly edited copy look new.
SHINGLE_WORDS = 3

#: At most this many differing bits of 64 make two texts the same story (Manku et al. found
#: 3 right for 8 billion pages; edited wire copy stays within it, unrelated texts sit near 32).
NEAR_DUPLICATE_BITS = 3

#: The SimHash is indexed as four 16-bit bands: with at most 3 differing bits, at least one
#: band of two near-duplicates is identical, so candidates come from an exact index lookup.
BANDS = 4
BAND_BITS = 64 // BANDS

#: Texts shorter than this many words are not fingerprinted for copies: briefs and
#: one-liners match each other by accident.
MIN_WORDS = 40

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Case-folded NFKC words joined by single spaces: what counts as the text's content."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def content_hash(title: str | None, text: str) -> str:
    """SHA-256 of the normalised title and text; equal hashes mean no real change."""
    return hashlib.sha256(f"{normalise(title or '')}\n{normalise(text)}".encode()).hexdigest()


def simhash(text: str) -> int | None:
    """A signed 64-bit SimHash of the text's word shingles (None for texts too short)."""
    words = normalise(text).split()
    if len(words) < MIN_WORDS:
        return None
    hashes = [
        int.from_bytes(hashlib.blake2b(" ".join(words[i : i + SHINGLE_WORDS]).encode(),
                                       digest_size=8).digest(), "big")
        for i in range(len(words) - SHINGLE_WORDS + 1)
    ]  # fmt: skip
    unsigned = _majority_bits(hashes)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def _majority_bits(values: list[int]) -> int:
    """The 64-bit word whose bit i is set when more than half of `values` have bit i set.

    Bit-sliced counters: `planes[k]` holds bit k of all 64 per-bit counts, and adding a
    value is a ripple-carry addition over the planes (about two steps per value on average)
    instead of 64 separate increments.
    """
    planes = [0] * len(values).bit_length()
    for value in values:
        carry = value
        for k, plane in enumerate(planes):
            if not carry:
                break
            planes[k], carry = plane ^ carry, plane & carry
    result = 0
    for bit in range(64):
        count = sum((plane >> bit & 1) << k for k, plane in enumerate(planes))
        if 2 * count > len(values):
            result |= 1 << bit
    return result


def distance(a: int, b: int) -> int:
    """How many of the 64 bits differ."""
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def bands(value: int) -> list[tuple[int, int]]:
    """(band, 16-bit value) pairs of a SimHash, for the simhash_bands index."""
    unsigned = value & ((1 << 64) - 1)
    mask = (1 << BAND_BITS) - 1
    return [(band, unsigned >> (band * BAND_BITS) & mask) for band in range(BANDS)]
