"""Questions asked without a question: "Joel pregunta si tenemos que pagar impuestos",
"I was wondering whether we can deduct it", "ich wollte fragen, ob wir zahlen müssen".

A sentence that reports or softens an ask carries no "?" and does not open like a
question, so the sentence readers missed it, and with it the legal question of many a
mixed mail ("and my husband asks whether the settlement counts as income").
"""

from __future__ import annotations

import re

# Words that introduce an indirect question, in the languages the corpus is written in:
# whether / if after ask, wonder or want to know; si, se, ob, czy, ли, чи; 是否, 能否.
_INDIRECT = re.compile(
    r"\b(?:whether"
    r"|wonder(?:s|ed|ing)?\s+(?:if|about)"
    r"|ask(?:s|ed|ing)?\s+(?:you\s+|me\s+|him\s+|her\s+)?if"
    r"|(?:want|wanted|wants|like|need|needs)\s+to\s+know\s+(?:if|how|what|when|who|why)"
    r"|pregunt(?:a|an|o|ó|aba|ar|ando)\s+(?:que\s+)?si|saber\s+si"
    r"|pergunt(?:a|am|ou|ar|ando)\s+se|saber\s+se"
    r"|chied(?:e|ono|eva|ere)\s+se|sapere\s+se"
    r"|demand(?:e|ent|ait|er)\s+si|savoir\s+si"
    r"|ob|czy|ли|чи)\b"
    r"|是否|能否|可否|是不是",
    re.IGNORECASE,
)


# Every match holds one of these: looking for them first spares most sentences the
# pattern's position-by-position search (the classifier reads every sentence).
_MARKERS = (
    "whether", "wonder", "ask", "know", "pregunt", "saber", "pergunt", "chied", "sapere",
    "demand", "savoir", "ob", "czy", "ли", "чи", "是否", "能否", "可否", "是不是",
)  # fmt: skip


def asks_indirectly(sentence: str) -> bool:
    """The sentence reports or softens a question ("she asks whether", "saber si")."""
    return may_ask_indirectly(sentence) and bool(_INDIRECT.search(sentence))


def may_ask_indirectly(text: str) -> bool:
    """Whether the text holds a marker, without which none of its sentences asks
    indirectly: one look at a whole mail spares each sentence its own look."""
    lower = text.lower()
    return any(map(lower.__contains__, _MARKERS))
