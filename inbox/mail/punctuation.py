"""What ends a sentence, what marks a question, and how many words a line holds, in
every script clients write in.

Chinese and Japanese put no spaces between words and end sentences with full-width
marks (。！？), Arabic asks with "؟". Counting words by spaces or asking with "?" alone
took a whole Chinese paragraph for one "word" (a signature line to the signature
cutter, never a question to the classifier's sentence readers).
"""

from __future__ import annotations

import re

QUESTION_MARKS = "?？؟"
# Marks that end a sentence (the question marks included); "¿" and "¡" only open one.
SENTENCE_ENDS = ".!。！" + QUESTION_MARKS
# Scripts written without spaces between words: Han, kana, Thai.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]+")
_LETTERS = re.compile(r"[^\W\d_]+")
# A word of Chinese is one to two characters long (and Japanese, Thai much the same),
# so an unspaced run counts one word per two characters.
_CHARS_PER_WORD = 2


def asks(text: str) -> bool:
    """It holds a question mark of any script."""
    return any(map(text.__contains__, QUESTION_MARKS))  # no generator: it runs per sentence


def words(text: str) -> list[str]:
    """The words of a line: runs of letters, an unspaced run cut every two characters."""
    found: list[str] = []
    for run in _LETTERS.findall(text):
        if _UNSPACED.search(run):
            found += [run[i : i + _CHARS_PER_WORD] for i in range(0, len(run), _CHARS_PER_WORD)]
        else:
            found.append(run)
    return found


def word_count(text: str) -> int:
    """Words as `words` counts them, numbers and other tokens between spaces included."""
    spaced = _UNSPACED.sub(" ", text).split()
    unspaced = sum(-(-len(run) // _CHARS_PER_WORD) for run in _UNSPACED.findall(text))
    return len(spaced) + unspaced
