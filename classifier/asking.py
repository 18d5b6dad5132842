"""The asking sentences of a mail: what the sender asks, apart from the story around it.

Status requests and billing queries often come after paragraphs of background (the
court's letter, the other side's call, the family's worries) that read like a legal
question to a bag-of-words model; what decides the label is what is asked. The model
gets the asking sentences as a feature block of their own, beside the whole text.
"""

from __future__ import annotations

import re

from classifier.indirect import indirect_reader
from classifier.question_openers import MORE_OPENERS
from inbox.mail.punctuation import QUESTION_MARKS, SENTENCE_ENDS, asks

# Possessive runs (*+, ++): giving back a character that is not a sentence end can
# never help, so the engine need not try (the same sentences, found faster).
_SENTENCE = re.compile(
    rf"[^{SENTENCE_ENDS}¿¡]*+[{QUESTION_MARKS}]+|[^{SENTENCE_ENDS}¿¡]++[.!。！]*"
)
# A sentence that opens like an ask, with or without its "?" (phone-typed mail).
_OPENS_AN_ASK = re.compile(
    r"^\W*(can|could|should|would|will|is|are|am|do|does|did|may|must|have|has|what|how|"
    r"when|where|why|who|which|any|please|let me know|i need|we need|i want|need|"
    r"puedo|puede|podemos|debo|tengo|hay|qu[ée]|c[óo]mo|cu[áa]ndo|d[óo]nde|por favor|"
    r"kann|k[öo]nnen|darf|d[üu]rfen|muss|m[üu]ssen|soll|ist|sind|wie|wann|wo|warum|bitte|"
    r"est-ce|puis-je|dois-je|peut-on|pouvez|quand|comment|merci de|posso|devo|pode|czy|"
    rf"{MORE_OPENERS})\b"
)
NO_ASK = "noask"  # the block's token for a mail that asks nothing
_BODY = re.compile(r" body(?: |$)")  # model_text's marker between subject and body


def asking_text(model_text: str) -> str:
    """The sentences of the body (of the classifier's cleaned, lower-case model text)
    that ask something: they hold a question mark or open like a question or a request. A body
    that asks nothing may have put its question in the subject ("is it legal for my
    landlord to enter?" and an empty body); a reply's subject never asks (model_text
    marks its words)."""
    head, body = (*_BODY.split(model_text, maxsplit=1), "")[:2]
    _flags, _, subject = head.rpartition("subj ")
    history = all(word.startswith("rs") for word in subject.split())
    asks = _asks(body) or ([] if history else _asks(subject))
    return " ".join(asks) if asks else NO_ASK


# A second question often opens with a joining word or a condition before it asks:
# "and can they do that?", "also, do I need to go", "and if it didn't, will it show up".
_LEAD = re.compile(
    r"^\W*(?:(?:and|also|but|plus|so|or|then|ok|okay|oh|and also|one more thing|"
    r"another thing|y|und|et|e)\b[\s,:-]*)+"
)
_IF_CLAUSE = re.compile(
    r"^\W*(?:and\s+|but\s+|also\s+)?(?:if|once|when|since|assuming|si|wenn|falls)\b"
    r"[^,]{0,80},\s*"
)


def _opens_an_ask(sentence: str) -> bool:
    """It opens like an ask, once a joining word or a leading condition is set aside."""
    bare = _LEAD.sub("", sentence)
    if _OPENS_AN_ASK.match(bare):
        return True
    # an if clause ends at a comma: without one, the sub would change nothing
    return "," in bare and bool(_OPENS_AN_ASK.match(_IF_CLAUSE.sub("", bare)))


def _asks(text: str) -> list[str]:
    # A sentence holds a question mark or an indirect ask's marker only if the text
    # does: most mails hold neither, and their sentences need not be searched for them.
    marked, asks_indirectly = asks(text), indirect_reader(text)
    return [
        sentence.strip()
        for sentence in _SENTENCE.findall(text)
        if (marked and asks(sentence)) or _opens_an_ask(sentence) or asks_indirectly(sentence)
    ]
