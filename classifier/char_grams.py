"""The char_wb n-gram ids of many new words at once, with NumPy.

Cutting a new word into n-gram strings and looking each one up in a 120,000-entry
dict cost about 13 µs a word: most of the classifier's time on mail whose words it
had not seen yet (about five new words a message in the corpus). Here an n-gram is
an integer key instead: each character becomes its index in the vocabulary's
alphabet, a fixed number of bits a character, so one int64 holds a whole n-gram and
two n-grams share a key only if they are the same string. A batch's new words are
keyed and found among the vocabulary's sorted keys by a few array operations.
"""

from __future__ import annotations

import numpy as np

_KEY_BITS = 63


def _codes(text: str) -> np.ndarray:
    """Code points of a text (lone surrogates too: mail is hostile input)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _char_indices(alphabet: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """A character's index in the alphabet + 1; one past the alphabet for any other
    character, so an n-gram holding it has a key the vocabulary does not hold."""
    at = np.searchsorted(alphabet, codes).clip(max=len(alphabet) - 1)
    known = alphabet[at] == codes
    return np.where(known, at + 1, len(alphabet) + 1).astype(np.int64)


class KeyTable:
    """Non-negative int64 keys -> int32 ids, looked up many at once: a hash table with
    linear probing, in NumPy arrays.

    Finding a batch's keys among sorted ones took a sort of the batch and a binary
    search (half the time spent on a batch's new words); here a key costs one or two
    looks at the table, a round of array operations each, and the longest probe run
    bounds the rounds.
    """

    MISSING = -1  # an empty slot's key and id; find's answer for a needle that is no key
    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2**64 / golden ratio

    def __init__(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """`keys` distinct and >= 0, `ids` >= 0, one for each key."""
        self.bits = max(int(4 * len(keys)).bit_length(), 1)  # at most a quarter full:
        # a needle that is no key, most of a new word's n-grams, then meets an empty
        # slot after one or two probes
        self.keys = np.full(1 << self.bits, self.MISSING, dtype=np.int64)
        self.ids = np.full(1 << self.bits, self.MISSING, dtype=np.int32)
        self.rounds = 0  # the longest probe run: a key is at most rounds - 1 slots on
        slots, pending = self._home(keys), np.arange(len(keys))
        while len(pending):
            self.rounds += 1
            at = slots[pending]
            free = self.keys[at] == self.MISSING
            # of the keys wanting one free slot, the first takes it
            taken, first = np.unique(at[free], return_index=True)
            placed = pending[free][first]
            self.keys[taken], self.ids[taken] = keys[placed], ids[placed]
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            slots[pending] = (slots[pending] + 1) & ((1 << self.bits) - 1)

    def _home(self, keys: np.ndarray) -> np.ndarray:
        """Each key's first slot: the top bits of the key times the multiplier."""
        hashed = keys.astype(np.uint64) * self._MULTIPLIER  # wraps around, as it should
        return (hashed >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, needles: np.ndarray) -> np.ndarray:
        """The id of each needle, -1 for a needle that is no key."""
        slots = self._home(needles)
        held = self.keys[slots]
        found = np.where(held == needles, self.ids[slots], self.MISSING)
        # the others go on along their run, until their key or an empty slot
        pending = np.flatnonzero((held != needles) & (held != self.MISSING))
        slots, needles = slots[pending], needles[pending]
        for _ in range(self.rounds - 1):
            if not len(pending):
                break
            slots = (slots + 1) & (len(self.keys) - 1)
            held = self.keys[slots]
            hit = held == needles
            found[pending[hit]] = self.ids[slots[hit]]
            going = np.flatnonzero(~hit & (held != self.MISSING))
            pending, slots, needles = pending[going], slots[going], needles[going]
        return found


class CharGramIndex:
    """A fitted char_wb vocabulary, looked up by integer keys."""

    def __init__(self, alphabet: np.ndarray, table: KeyTable, ngram_range: tuple[int, int]) -> None:
        self.alphabet = alphabet  # sorted code points; a character's index is its place + 1
        self.table = table  # n-gram keys -> their vocabulary ids
        self.min_n, self.max_n = ngram_range
        self.bits = _KEY_BITS // self.max_n

    @classmethod
    def build(
        cls, vocabulary: dict[str, int], ngram_range: tuple[int, int]
    ) -> CharGramIndex | None:
        """None when the keys cannot hold this vocabulary's n-grams whole."""
        terms = sorted(vocabulary, key=vocabulary.__getitem__)
        lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        if not terms or lengths.min() < 1 or lengths.max() > ngram_range[1]:
            return None
        codes = _codes("".join(terms))
        alphabet = np.unique(codes)
        bits = _KEY_BITS // ngram_range[1]
        if len(alphabet) + 2 > 1 << bits:  # + 1: characters outside the alphabet
            return None
        starts = np.cumsum(lengths) - lengths
        place = np.arange(len(codes)) - np.repeat(starts, lengths)
        keys = np.add.reduceat(_char_indices(alphabet, codes) << (place * bits), starts)
        ids = np.fromiter(map(vocabulary.__getitem__, terms), dtype=np.int32, count=len(terms))
        return cls(alphabet, KeyTable(keys, ids), ngram_range)

    def packed(self, words: list[str]) -> list[bytes]:
        """For each word (no whitespace in it), the int32 vocabulary ids of the n-grams
        scikit-learn's `_char_wb_ngrams` cuts from " word ", unknown n-grams left out."""
        if not words:
            return []
        lengths = np.fromiter((len(w) + 2 for w in words), dtype=np.int64, count=len(words))
        chars = _char_indices(self.alphabet, _codes("".join(f" {w} " for w in words)))
        owners = np.repeat(np.arange(len(words)), lengths)
        length_at = np.repeat(lengths, lengths)
        room = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(chars))
        starts = np.cumsum(lengths) - lengths
        keys: list[np.ndarray] = []
        key_owners: list[np.ndarray] = []
        for n, prefix in enumerate(self._prefix_keys(chars), start=1):
            # every n-gram inside a longer word; a word no longer than n, once whole
            if n >= self.min_n:
                inside = np.flatnonzero((room >= n) & (length_at > n))
                keys.append(prefix[inside])
                key_owners.append(owners[inside])
            whole = np.flatnonzero(lengths == n)
            keys.append(prefix[starts[whole]])
            key_owners.append(whole)
        return self._group(np.concatenate(keys), np.concatenate(key_owners), len(words))

    def _prefix_keys(self, chars: np.ndarray) -> list[np.ndarray]:
        """For n = 1..max_n, the key of the n characters from each position (the tail
        past the text's end reads as nothing: those positions are never used)."""
        prefixes = [chars]
        for n in range(2, self.max_n + 1):
            shifted = np.zeros_like(chars)
            if len(chars) >= n:  # a text shorter than n has no n-gram at all
                shifted[: len(chars) - n + 1] = chars[n - 1 :]
            prefixes.append(prefixes[-1] | (shifted << ((n - 1) * self.bits)))
        return prefixes

    def _group(self, keys: np.ndarray, owners: np.ndarray, n_words: int) -> list[bytes]:
        """Known keys -> their ids, packed per owning word."""
        ids = self.table.find(keys)
        hit = ids != KeyTable.MISSING
        owners = owners[hit]
        ids = ids[hit][np.argsort(owners, kind="stable")]
        ends = (np.cumsum(np.bincount(owners, minlength=n_words)) * 4).tolist()
        data = ids.tobytes()
        return [data[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
