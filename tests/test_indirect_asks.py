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
        "please let me know if the hearing moved",
        "tell me when it is filed",
        "vorrei sapere quando arriva la sentenza",
        "j'aimerais savoir quand l'audience aura lieu",
        "Подскажите, когда будет решение суда",
        "підкажіть, коли буде рішення",
        "cho tôi hỏi hồ sơ đã nộp",
        "hồ sơ của tôi đã nộp chưa",
        "都收到了吗",
        "你哋會唔會發1099俾佢",
        # Korean asks with endings inside words: "whether ... let me know", "I wonder"
        "변호사님 쪽에서 날짜 변경을 요청하신 건지 알려주세요.",
        "증여로 받는 게 나은지 궁금합니다.",
        "أود أن أعرف متى الجلسة",
        "अभी मेरा कितना बकाया है",
        "भाई वाले payment के बाद का हिसाब बता दीजिए",
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
        "Let me know you got it",
        "Chị gửi giúp tôi nhe.",  # a request, not a question ("please send")
        "我们已经付款了。",
        "서류를 오늘 보냈습니다.",  # "I sent the papers today"
        "मैंने आज भुगतान कर दिया",  # "I paid today"
    ],
)
def test_a_statement_does_not(sentence: str) -> None:
    assert not asks_indirectly(sentence)
