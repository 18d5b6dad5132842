"""Intents under the labels, on cases written for this project (en/es/de/fr)."""

from __future__ import annotations

import pytest

from rules.intents import intents_for, predict_intent

STATUS_CASES = [
    ("Any update on my case?", "status.general"),
    ("Checking in: where do things stand with the lease matter", "status.general"),
    ("Did you get the signed forms I dropped off Tuesday?", "status.filed_or_received"),
    ("Has the petition been filed with the court yet?", "status.filed_or_received"),
    ("¿Recibieron los documentos que mandé por correo?", "status.filed_or_received"),
    ("Sind meine Unterlagen bei Ihnen eingegangen?", "status.filed_or_received"),
    ("Avez-vous bien reçu les pièces que j'ai envoyées ?", "status.filed_or_received"),
    ("How long until the visa decision comes back?", "status.timeline"),
    ("When will we hear from the other side about the offer", "status.timeline"),
    ("¿Cuánto tiempo más va a tardar el trámite?", "status.timeline"),
    ("Wie lange dauert das Verfahren noch ungefähr?", "status.timeline"),
    ("Combien de temps faut-il encore attendre pour la décision ?", "status.timeline"),
    ("What time is the hearing on Thursday and which courtroom?", "status.hearing_or_meeting"),
    ("Is my deposition still on for the 3rd?", "status.hearing_or_meeting"),
    ("¿A qué hora es la audiencia del lunes?", "status.hearing_or_meeting"),
    ("Findet der Gerichtstermin am Montag statt?", "status.hearing_or_meeting"),
    ("La réunion avec l'avocat est-elle confirmée ?", "status.hearing_or_meeting"),
    ("What are the next steps now that they signed?", "status.next_steps"),
    ("ok so what happens next", "status.next_steps"),
    ("¿Cuáles son los próximos pasos?", "status.next_steps"),
    ("Wie geht es jetzt weiter mit der Akte?", "status.next_steps"),
    ("Quelles sont les prochaines étapes du dossier ?", "status.next_steps"),
    ("Just checking the deed got recorded", "status.filed_or_received"),
    ("Did everything arrive ok? I mailed the originals Friday", "status.filed_or_received"),
    ("Do I need to attend on the 14th, and what time?", "status.hearing_or_meeting"),
]

BILLING_CASES = [
    ("What is our current balance with you?", "billing.balance"),
    ("how much do i still owe", "billing.balance"),
    ("¿Cuánto debo todavía?", "billing.balance"),
    ("Wie hoch ist der offene Betrag auf unserem Konto?", "billing.balance"),
    ("Quel est le solde de notre compte ?", "billing.balance"),
    ("Could you send me a PDF copy of invoice AK-INV-5201?", "billing.invoice_copy"),
    ("Please reissue the invoice with our PO number 4471", "billing.invoice_copy"),
    ("¿Me pueden reenviar la factura de octubre?", "billing.invoice_copy"),
    ("Bitte senden Sie uns eine Kopie der Rechnung.", "billing.invoice_copy"),
    ("Pouvez-vous m'envoyer une copie de la facture ?", "billing.invoice_copy"),
    ("Did our check arrive? We mailed it on the 2nd.", "billing.payment_confirmation"),
    ("Can you confirm the wire went through?", "billing.payment_confirmation"),
    ("¿Recibieron mi pago del viernes?", "billing.payment_confirmation"),
    ("Ist unsere Überweisung bei Ihnen eingegangen?", "billing.payment_confirmation"),
    ("Avez-vous reçu notre virement ?", "billing.payment_confirmation"),
    ("We were charged twice for the same filing fee", "billing.dispute_or_error"),
    ("The October invoice has a mistake: 6 hours we never approved", "billing.dispute_or_error"),
    ("Creo que hay un error en la factura", "billing.dispute_or_error"),
    ("Die Rechnung ist falsch, der Betrag ist zu hoch.", "billing.dispute_or_error"),
    ("Il y a une erreur sur la facture.", "billing.dispute_or_error"),
    ("Do you take credit card, and is there a surcharge? ACH details?", "billing.payment_method"),
    ("¿Puedo pagar con tarjeta?", "billing.payment_method"),
    ("Können Sie uns Ihre Bankverbindung schicken?", "billing.payment_method"),
    ("Quels sont vos moyens de paiement ?", "billing.payment_method"),
    ("How much of my $5,000 retainer is left?", "billing.retainer_or_trust"),
    ("¿Cuánto queda del anticipo?", "billing.retainer_or_trust"),
    ("Wie viel ist vom Vorschuss noch übrig?", "billing.retainer_or_trust"),
    ("Reste-t-il quelque chose sur la provision ?", "billing.retainer_or_trust"),
    ("Our AP team needs your W-9 before we can pay", "billing.tax_form"),
    ("Necesitamos su formulario W-9", "billing.tax_form"),
    ("Bitte senden Sie uns Ihre Steuernummer für die Kreditorenanlage", "billing.tax_form"),
    ("Can I pay the balance in monthly installments?", "billing.payment_plan"),
    ("¿Puedo pagar a plazos?", "billing.payment_plan"),
    ("Ist eine Ratenzahlung möglich?", "billing.payment_plan"),
    ("Est-il possible d'avoir un échéancier ?", "billing.payment_plan"),
    ("What are your hourly rates for 2027?", "billing.rates"),
    ("¿Cuáles son sus tarifas por hora?", "billing.rates"),
    ("Wie hoch ist Ihr Stundensatz?", "billing.rates"),
    ("Quels sont vos tarifs ?", "billing.rates"),
    ("We got a late fee on an invoice we paid on time", "billing.dispute_or_error"),
    ("Please add our PO number and company name on the invoice", "billing.invoice_copy"),
    (
        "Our check was mailed on the 3rd, check number 2291, has it cleared?",
        "billing.payment_confirmation",
    ),
    (
        "Wir haben am Montag die Rechnung überwiesen. Ist alles angekommen?",
        "billing.payment_confirmation",
    ),
    ("Do you accept Amex?", "billing.payment_method"),
    ("Could we get more time to pay the October bill?", "billing.payment_plan"),
    ("Could you send a quote for the trademark filing?", "billing.rates"),
    ("¿Cuánto pagamos todavía? ¿Cuál es el saldo pendiente?", "billing.balance"),
]


@pytest.mark.parametrize(("text", "intent"), STATUS_CASES)
def test_status_intent(text: str, intent: str) -> None:
    assert predict_intent("status_request", "", text) == intent


@pytest.mark.parametrize(("text", "intent"), BILLING_CASES)
def test_billing_intent(text: str, intent: str) -> None:
    assert predict_intent("billing_query", "", text) == intent


def test_subject_counts_as_well_as_text() -> None:
    assert predict_intent("billing_query", "W-9 request", "see below, thanks") == "billing.tax_form"


def test_legal_and_other_carry_no_templated_intent() -> None:
    assert predict_intent("legal_question", "", "Can they evict me before the hearing?") is None
    assert predict_intent("other", "", "Thanks!") is None


def test_every_intent_is_spelled_label_dot_name() -> None:
    assert "status.general" in intents_for("status_request")
    assert "billing.tax_form" in intents_for("billing_query")
    assert all(i.startswith("billing.") for i in intents_for("billing_query"))
    assert intents_for("legal_question") == []


def test_sample_mailbox_billing_phrasings() -> None:
    """Phrasings of the sample mailbox (inbox/sample_mailbox), the project's own mail."""
    check = "Our records show check #20417 was mailed on November 2. Can you confirm whether it arrived?"
    assert (
        predict_intent("billing_query", "Past due notice", check) == "billing.payment_confirmation"
    )
    plan = "I can't pay it all at once right now, can I do $500 a month?"
    assert predict_intent("billing_query", "bill", plan) == "billing.payment_plan"
    dup = "I think one line was billed twice. Could someone send a corrected invoice?"
    assert (
        predict_intent("billing_query", "possible duplicate entry", dup)
        == "billing.dispute_or_error"
    )


@pytest.mark.parametrize(
    ("label", "text", "intent"),
    [
        ("status_request", "Vocês receberam os documentos assinados?", "status.filed_or_received"),
        ("status_request", "Quando è l'udienza?", "status.hearing_or_meeting"),
        ("billing_query", "Posso pagar em parcelas?", "billing.payment_plan"),
        (
            "billing_query",
            "Ho già pagato la fattura, è arrivato il bonifico?",
            "billing.payment_confirmation",
        ),
    ],
)
def test_portuguese_and_italian_phrases(label: str, text: str, intent: str) -> None:
    assert predict_intent(label, "", text) == intent
