"""Questions reported or softened rather than asked (classifier/indirect.py)."""

from __future__ import annotations

import pytest

from classifier.indirect import asks_indirectly


@pytest.mark.parametrize(
    "sentence",
    [
        "my wife wants to know if she has to sign the release",
        "Bob asked if the court date moved",
        "I wonder if we can deduct it from his share",
        "Y Joel pregunta si tenemos que pagar impuestos",
        "quisiera saber si ya presentaron la demanda",
        "a minha mãe pergunta se pode vender a casa",
        "mio padre chiede se deve firmare",
        "mon associé demande si on peut résilier le bail",
        "ich wollte fragen, ob wir zahlen müssen",
        "szef pyta, czy musimy płacić",
        "请问是否需要申报赠与税",
    ],
)
def test_an_indirect_question_asks(sentence: str) -> None:
    assert asks_indirectly(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Thanks for the update on the closing",
        "Ask your bookkeeper for the W-9",
        "I know what the letter says",
        "Si necesitan algo más, me avisan",
        "Obviously the obligation stays",  # "ob" only as a word of its own
    ],
)
def test_a_statement_does_not(sentence: str) -> None:
    assert not asks_indirectly(sentence)
