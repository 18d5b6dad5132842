"""New text apart from quoted history and signature, on the shapes real clients send."""

from __future__ import annotations

import pytest

from inbox.mail.quoting import split_new_text

CASES = [
    (
        "gmail reply",
        "Has it been filed yet?\n\nOn Tue, Mar 3, 2026 at 9:14 AM Dana Whitfield "
        "<dana@harborvale.law> wrote:\n> Your invoice HV-INV-1042 is attached.\n> Dana",
        "Has it been filed yet?",
    ),
    (
        "gmail reply with the attribution wrapped over two lines",
        "Thanks, when is the hearing?\n\nOn Tue, Mar 3, 2026 at 9:14 AM Dana\n"
        "Whitfield <dana@harborvale.law> wrote:\n> Invoice attached",
        "Thanks, when is the hearing?",
    ),
    (
        "outlook reply",
        "Can we withhold rent?\n\nFrom: Dana Whitfield <dana@harborvale.law>\n"
        "Sent: Monday, March 2, 2026 4:01 PM\nTo: Sam\nSubject: Invoice\n\nPlease pay.",
        "Can we withhold rent?",
    ),
    (
        "outlook original message",
        "ok\n-----Original Message-----\nFrom: x\nquestion about billing",
        "ok",
    ),
    (
        "forward with a line on top",
        "What do we do about this?\n\n---------- Forwarded message ---------\n"
        "From: Landlord <l@example.com>\nNotice to quit.",
        "What do we do about this?",
    ),
    (
        "german reply",
        "Gibt es Neuigkeiten?\n\nAm 3. März 2026 um 09:14 schrieb Dana <d@x.de>:\n> alt",
        "Gibt es Neuigkeiten?",
    ),
    (
        "spanish reply",
        "¿Ya firmaron?\n\nEl mar, 3 mar 2026 a las 9:14, Dana (<d@x.es>) escribió:\n> viejo",
        "¿Ya firmaron?",
    ),
    ("signature dashes", "Any news on the visa?\n\n-- \nMaria Lopez\nCEO", "Any news on the visa?"),
    ("phone signature", "did the judge sign it\n\nSent from my iPhone", "did the judge sign it"),
    (
        "inline reply keeps the answers",
        "> When can you meet?\nThursday works.\n> Which office?\nDowntown.",
        "Thursday works.\nDowntown.",
    ),
    (
        "no quote at all, a sign-off",
        "Hello,\n\nPlease send invoice 4471 again.\n\nThanks",
        "Hello,\n\nPlease send invoice 4471 again.",
    ),
]


@pytest.mark.parametrize(("case", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_split_new_text(case: str, text: str, expected: str) -> None:
    assert split_new_text(text) == expected


def test_a_sentence_starting_with_on_is_not_an_attribution() -> None:
    text = "On Monday the landlord changed the locks.\nCan he do that?"
    assert split_new_text(text) == text


def test_a_reply_written_between_the_quoted_lines_is_kept() -> None:
    """ "Answers below.": the client answers each quoted point, and asks the real question
    under the last one. The quoted lines go; the answers and the question stay."""
    text = (
        "Answers below.\n\n"
        "On Tue, Apr 21, 2026 at 11:05 AM Nadia Haddad <nh@firm.example> wrote:\n"
        "> 1. Please confirm the retainer is okay.\n\n"
        "Yes, I'll pay it tonight.\n\n"
        "> 2. Can you send me the letter from the principal?\n\n"
        "Attached.\n\n"
        "> Let me know if you have other questions.\n\n"
        "Actually yes. Can the school expel him for a post made at home?\n"
    )
    new = split_new_text(text)
    assert "Can the school expel him" in new and "Yes, I'll pay it tonight." in new
    assert "Answers below." in new
    assert ">" not in new and "wrote:" not in new and "principal" not in new


def test_a_signature_under_a_quote_is_not_an_inline_reply() -> None:
    """Words only after the last quoted line are a sign-off, not answers."""
    text = (
        "Any news on the closing?\n\n"
        "On Mon, Mar 2, 2026 at 9:00 AM Ana <ana@firm.example> wrote:\n"
        "> The buyer's lender is reviewing the file.\n"
        "> We expect the date next week.\n\n"
        "Kenji Watanabe\nUmi Sushi Bar\n"
    )
    assert split_new_text(text) == "Any news on the closing?"


# Replies and forwards from mail programs set to other languages: the line above the
# original, as Gmail, Outlook and the Chinese, Korean and Vietnamese clients write it.
OTHER_LANGUAGES = [
    "Em seg., 2 de mar. de 2026 às 10:41, Thaís Lacerda <financeiro@albuquerquereis.com> escreveu:",
    "Il giorno lun 9 feb 2026 alle ore 17:20 Francesca Riva <f.riva@castellani.com> ha scritto:",
    "wt., 12 maj 2026 o 15:02 Dorota Bąk <dbak@zawadzkikowal.com> napisał(a):",
    "2026년 3월 20일 (금) 오전 10:11, 김하나 <hana@phslaw.com>님이 작성:",
    "在 2026年2月9日 周一 下午3:22，Amy Huang <amy@liangmorrow.com> 写道：",
    "Vào Th 2, 9 thg 3, 2026 lúc 10:02 SA Trần Tường Vy <vy@wdlawgroup.com> đã viết:",
    "пн, 9 бер. 2026 р. о 17:48 Kateryna Petryk <kpetryk@msk-law.com> пише:",
    "في الخميس، ٣٠ أبريل ٢٠٢٦ في ١٠:٠٥ ص، Rania Khatib <rkhatib@cedarcommons.org> كتب:",
    "-----Messaggio originale-----\nDa: Laura\nInviato: lunedì 9 febbraio 2026 17:20",
    "-----Mensagem original-----",
    "-----Wiadomość oryginalna-----",
    "------------------ 原始邮件 ------------------",
    "-----원본 메시지-----",
    "---------- Messaggio inoltrato ---------",
    "Od: Dorota Bąk <dbak@x.com>\nWysłano: wtorek, 12 maja 2026 15:02\nDo: Tadeusz",
    "发件人: Amy Huang <amy@x.com>\n发送时间: 2026年2月9日 15:22\n收件人: 黎建华",
    "De: Thaís <t@x.com>\nEnviada em: segunda-feira, 2 de março de 2026 10:41\nPara: Ana",
    "--- Em 28/04/2026, Lurdes Carreiro escreveu ---",
]


@pytest.mark.parametrize("attribution", OTHER_LANGUAGES)
def test_quoted_history_is_cut_in_other_languages_too(attribution: str) -> None:
    mail = f"Nova pergunta: já foi protocolado?\n\n{attribution}\n> Segue a fatura em anexo."
    assert split_new_text(mail) == "Nova pergunta: já foi protocolado?"


@pytest.mark.parametrize(
    "text",
    [
        "Please send the deed to my assistant Jane <jane@x.com>: she keeps our files.",
        "About the 2026 lease: can we end it early?",
        "Next call 10:30 with Dana <dana@x.com> and me:\nthe agenda is the lease.",
    ],
)
def test_a_clients_own_line_with_an_address_or_a_date_is_not_an_attribution(text: str) -> None:
    assert split_new_text(text) == text
