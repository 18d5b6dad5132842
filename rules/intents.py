"""What, under its label, a client's mail asks: the intent a reply template answers.

The classifier decides the label (status, billing, legal, other); this only picks the
finer question inside it, so the draft can answer that question instead of listing
everything. Pure and rule-based: each intent is a handful of phrases in English,
Spanish, German and French (DESIGN.md's definitions), matched on the subject and the
sender's new text (never quoted history). The intent with most matching phrases wins;
ties go to the one listed first; none matching gives the label's general intent.

Intent values read `status.timeline`, `billing.invoice_copy` and so on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from classifier.features import ModelInput
from inbox.models import INTENTS

if TYPE_CHECKING:
    from classifier.intent_model import IntentModels

_Table = dict[str, tuple[str, ...]]

# Phrases are regular expressions over lower-cased text; \b marks word edges. A phrase
# starting with the regex comment (?#weak) is a single telling word, worth half a phrase,
# so "what are the next steps now that they signed?" asks for next steps. Listed
# in tie-break order: a mail asking whether a payment arrived is about confirmation
# first, whatever balance it also mentions.
STATUS: _Table = {
    "filed_or_received": (
        r"\b(?:did|have|has) (?:you|the court|it|they|anyone)\b[^.?!\n]{0,40}"
        r"\b(?:receive|get|got|file|filed|submit|sign|signed|record|serve)",
        r"\b(?:was|were|has|have) (?:it|they|the \w+|my \w+|our \w+)\b[^.?!\n]{0,30}"
        r"\b(?:filed|received|submitted|signed|recorded|served|sent|lodged)\b",
        r"\b(?:get|got|receive|received) (?:my|our|the) (?:\w+ )?"
        r"(?:documents?|papers?|forms?|paperwork|letter|signature|scans?|files?)\b",
        r"\bconfirm (?:you (?:got|received|have)|receipt)\b(?![^.?!\n]{0,25}payment)",
        r"\bmade it (?:to you|through|in)\b",
        r"(?#weak)\b(?:filed|received|submitted|signed|recorded|lodged|served|uploaded|arrived|"
        r"delivered|accepted|approved|stamped|notari[sz]ed|processed)\b",
        r"\b(?:did|has|have) (?:it|they|the \w+|my \w+|our \w+|everything) "
        r"(?:arrive|come through|go through|get there|reach you)\b",
        r"\b(?:recibi(?:eron|ó|o|do|da|dos|das)|llegaron|lleg[oó]|presentad[oa]s?|presentaron|"
        r"firmad[oa]s?|radicad[oa]s?|entregad[oa]s?|enviad[oa]s?|mand[eé]|archivad[oa]s?)\b",
        r"\b(?:eingegangen|erhalten|eingereicht|zugestellt|unterschrieben|angekommen|"
        r"bekommen|vorliegen|liegt (?:ihnen|euch|dem gericht) \w* ?vor)\b",
        r"\b(?:reçu|reçus|reçue|déposée?s?|signée?s?|transmise?s?|parvenue?s?|arrivée?s?|"
        r"envoyée?s?|enregistrée?s?)\b",
    ),
    "hearing_or_meeting": (
        r"\b(?:hearing|court date|trial|deposition|mediation|arbitration|"
        r"interview|appointment|meeting|call with|consultation|closing date|"
        r"appear(?:ance)? in court)\b",
        r"(?#weak)\b(?:court|courtroom|meet|zoom|video call|phone call|conference|session|"
        r"attend|show up|be there|come in|what time|which room)\b",
        r"\b(?:audiencia|juicio|cita|reuni[oó]n|entrevista|comparecencia|tribunal|juzgado|"
        r"vista|corte)\b",
        r"\b(?:verhandlung|anhörung|gerichtstermin|termin|besprechung|sitzung|"
        r"gericht)\b",
        r"\b(?:audience|rendez-vous|réunion|entretien|tribunal|comparution)\b",
    ),
    "next_steps": (
        r"\bnext steps?\b",
        r"\bwhat (?:happens|comes|is|'s) (?:now|next)\b",
        r"\bwhat(?:'s| is) next\b",
        r"\bwhat (?:do|should|must) (?:i|we) (?:do|bring|send|prepare)\b",
        r"\b(?:do|does) (?:you|the firm) need anything\b",
        r"\banything (?:else )?(?:you need|i need to|we need to)\b",
        r"\b(?:pr[oó]ximos? pasos?|siguientes? pasos?|qu[eé] sigue|qu[eé] tengo que hacer|"
        r"qu[eé] debo hacer|qu[eé] necesitan)\b",
        r"\b(?:nächsten? schritte?|wie geht es (?:\w+ )?weiter|"
        r"was (?:muss|müssen|soll) (?:ich|wir))\b",
        r"\b(?:prochaines? étapes?|et maintenant|que dois-je faire|quelle est la suite)\b",
    ),
    "timeline": (
        r"\bhow (?:long|much longer|soon)\b",
        r"\bwhen (?:will|would|can|could|should|do|does|is|are)\b",
        r"\b(?:timeline|time ?frame|eta|estimated|expect(?:ed)? to|by when|"
        r"any (?:idea|update) (?:on )?when|still waiting|taking so long|delay(?:ed)?)\b",
        r"\b(?:cu[aá]nto (?:tiempo|tarda|falta|m[aá]s)|cu[aá]ndo|plazo|demora|"
        r"todav[ií]a esper)\b",
        r"\b(?:wie lange|wann|bis wann|zeitrahmen|dauert|verzögerung|zeitplan)\b",
        r"\b(?:combien de temps|quand|délai|d[ée]lais|calendrier|retard)\b",
    ),
}

BILLING: _Table = {
    "tax_form": (
        r"\bw-?9\b",
        r"\b1099\b",
        r"\b(?:tax (?:id|form|identification)|ein|tin|vendor (?:form|setup|registration))\b",
        r"\b(?:formulario (?:fiscal|w-?9)|n[uú]mero (?:fiscal|de identificaci[oó]n fiscal)|"
        r"rfc|nif)\b",
        r"\b(?:steuernummer|steuer-id|ust-id|umsatzsteuer-id|steuerformular|"
        r"freistellungsbescheinigung)\b",
        r"\b(?:formulaire fiscal|numéro fiscal|numéro de tva|attestation fiscale)\b",
    ),
    "payment_plan": (
        r"\b(?:payment plan|installments?|instalments?|monthly payments?|pay (?:it )?in "
        r"(?:parts|pieces|chunks|stages)|spread (?:out )?(?:the )?payments?|split (?:it|the "
        r"(?:payment|bill|balance|invoice))|more time to pay|pay (?:it )?(?:off )?over time|"
        r"pay in (?:two|three|four|\d+)|defer(?:red)? payment|postpone (?:the )?payment|"
        r"extension|all at once|monthly)\b",
        r"\$[\d,.]+ (?:a|per|each) month\b",
        r"\b(?:plan de pagos?|cuotas|a plazos|pagos? mensual(?:es)?|pagar en partes|"
        r"m[aá]s tiempo para pagar|pr[oó]rroga)\b",
        r"\b(?:ratenzahlung|raten|teilzahlung(?:en)?|in teilen zahlen|stundung|"
        r"zahlungsaufschub|später zahlen)\b",
        r"\b(?:échéancier|paiement en plusieurs fois|plusieurs versements|mensualités|"
        r"délai de paiement|étaler)\b",
    ),
    "dispute_or_error": (
        r"\b(?:wrong|error|mistake|incorrect|overcharged?|charged (?:us |me )?twice|"
        r"double[- ]?(?:billed|charged)|billed twice|dispute[sd]?|disagree|should not "
        r"have been|shouldn't have been|not (?:authori[sz]ed|agreed)|doesn't match|does not "
        r"match|discrepancy|too high|never (?:agreed|approved)|questioning|query the line|"
        r"late fee|duplicate (?:charge|entry|line)|not ours|isn't ours|credit (?:back|note)|"
        r"refund|adjust(?:ment|ed)?|write[- ]off|reduce|discount|overbill\w*|corrected|"
        r"correction)\b",
        r"\b(?:past due|overdue|reminder|late|collections?)\b[^\n]{0,80}\b(?:already|we) paid\b",
        r"\b(?:error|equivocad[oa]|incorrect[oa]|cobr(?:aron|ado) (?:de m[aá]s|dos veces)|"
        r"no (?:estoy de acuerdo|corresponde)|reclamo|disputa|reembolso|nota de cr[eé]dito|"
        r"recargo|ajuste)\b",
        r"\b(?:falsch|fehler(?:haft)?|doppelt|zu hoch|nicht (?:vereinbart|korrekt|richtig)|"
        r"widerspr(?:uch|echen)|beanstand|mahnung|gutschrift|erstattung|korrektur)\w*",
        r"\b(?:erreur|erroné|incorrecte?|facturé deux fois|contest(?:e|er|ons)|pas d'accord|"
        r"trop élevé|remboursement|avoir|rectifi\w+)\b",
    ),
    "payment_confirmation": (
        r"\b(?:did|have) (?:you|the firm|your office) (?:receive|get|got)\b[^.?!\n]{0,40}"
        r"\b(?:payment|check|cheque|wire|transfer|ach|remittance)\b",
        r"\b(?:payment|check|cheque|wire|transfer|ach|remittance)\b[^.?!\n]{0,40}"
        r"\b(?:arrive[ds]?|received|went through|gone through|cleared|posted|applied|"
        r"come through|came through|reflected|show(?:s|ing)? up)\b",
        r"\bconfirm\b[^.?!\n]{0,30}\b(?:payment|check|cheque|wire|transfer|receipt)\b",
        r"\b(?:sent|mailed|initiated|made|submitted|scheduled|posted) (?:a |the |our |my )?"
        r"(?:\w+ )?(?:payment|check|cheque|wire|transfer|ach)\b",
        r"\b(?:paid in full|payment (?:was|has been) (?:made|sent)|payment went out|"
        r"check (?:#?\d+ )?(?:was|has been) (?:mailed|sent|cashed|deposited)|check number|"
        r"confirmation (?:number|code)|transaction (?:id|number)|cleared|cashed|landed|"
        r"hit your account)\b",
        r"(?#weak)\b(?:applied|credited)\b",
        r"\b(?:whether|if) (?:it|they|the \w+|our \w+|my \w+) (?:arrived|was received|"
        r"came through|went through|cleared)\b",
        r"\b(?:paid|wired|transferred|remitted) (?:it |this |that |the \w+ )?(?:on|last|yesterday|"
        r"this|two|a few|\d)\b",
        r"\b(?:receipt for (?:my|our|the) payment|proof of payment|payment receipt|"
        r"(?:already|just) paid|we paid|i paid|sent (?:a|the|our|my) (?:check|cheque|payment|"
        r"wire))\b",
        r"\b(?:lleg[oó] (?:el|mi|nuestro) (?:pago|cheque)|llegó la transferencia|"
        r"(?:hice|hicimos|realic[eé]|realizamos) (?:el|la) (?:pago|transferencia))\b",
        r"(?#weak)\b(?:pagu[eé]|pagamos)\b",
        r"\b(?:recibieron (?:mi|el|nuestro) (?:pago|cheque)|(?:pago|transferencia|cheque) "
        r"(?:lleg[oó]|recibid[oa])|ya pagu[eé]|comprobante de pago|"
        r"confirm(?:ar|en) (?:el|mi) pago)\b",
        r"\b(?:zahlung|überweisung|scheck)\b[^.?!\n]{0,40}\b(?:eingegangen|erhalten|angekommen|"
        r"verbucht|gutgeschrieben)\b",
        r"\b(?:habe|haben)\b[^.?!\n]{0,40}\b(?:bezahlt|überwiesen|gezahlt|beglichen)\b",
        r"\b(?:bereits (?:bezahlt|überwiesen)|haben (?:bereits |schon )?(?:bezahlt|überwiesen)|"
        r"zahlungsbestätigung|zahlungseingang)\b",
        r"\b(?:paiement|virement|chèque)\b[^.?!\n]{0,40}\b(?:reçu|arrivé|encaissé)\b",
        r"\b(?:reçu|encaissé)\b[^.?!\n]{0,30}\b(?:paiement|virement|chèque|règlement)\b",
        r"\b(?:déjà payé|avons payé|ai payé|confirmation de paiement|avons réglé|ai réglé|"
        r"paiement effectué)\b",
    ),
    "invoice_copy": (
        r"\b(?:copy|copies|pdf|duplicate (?:copy|invoice)|resend|re-send|"
        r"send (?:me |us )?(?:again|over)|"
        r"reissue|re-issue|itemi[sz]ed|statement)\b[^.?!\n]{0,40}\b(?:invoice|bill|statement)s?\b",
        r"\b(?:invoice|bill|statement)s?\b[^.?!\n]{0,40}\b(?:copy|copies|pdf|again|reissued?|"
        r"re-issued?|resen[dt]|po number|purchase order)\b",
        r"\b(?:never (?:got|received) (?:the|an|your|our) (?:invoice|bill))\b",
        r"\b(?:send|resend|email|e-mail|forward|need|want|attach)\b[^.?!\n]{0,30}"
        r"\b(?:invoice|bill|statement|receipt)s?\b(?![^.?!\n]{0,20}\b(?:is|was|are) wrong)",
        r"\b(?:get|have) (?:a|the|an|another) (?:copy|invoice|bill|statement)\b",
        r"\b(?:can't find|cannot find|lost|misplaced|deleted)\b[^.?!\n]{0,30}\b(?:invoice|bill)",
        r"(?#weak)\b(?:itemi[sz]ed|breakdown|detailed (?:bill|invoice|statement))\b",
        r"\b(?:for our records|made out to|addressed to|billing address|po number|"
        r"purchase order|vendor number|company name on)\b",
        r"\b(?:copia|reenviar|reenv[ií]en|duplicado)\b[^.?!\n]{0,30}\bfactura",
        r"\b(?:kopie|duplikat|erneut (?:senden|schicken|zusenden)|nochmals? (?:senden|schicken))"
        r"\b[^.?!\n]{0,30}\brechnung|\brechnung\b[^.?!\n]{0,30}\b(?:kopie|erneut|nochmal|pdf|"
        r"bestellnummer)",
        r"\b(?:copie|duplicata|renvoyer)\b[^.?!\n]{0,30}\bfacture",
    ),
    "retainer_or_trust": (
        r"\b(?:retainer|trust (?:account|balance|deposit|funds)|iolta|escrow|deposit (?:left|"
        r"remaining|balance)|advance (?:fee|payment))\b",
        r"\b(?:anticipo|fideicomiso|dep[oó]sito|provisi[oó]n de fondos|cuenta de garant[ií]a)\b",
        r"\b(?:vorschuss|treuhand\w*|anderkonto|kostenvorschuss)\b",
        r"\b(?:provision|acompte|compte (?:de )?(?:séquestre|carpa|tiers)|avance sur honoraires)\b",
    ),
    "payment_method": (
        r"\b(?:credit card|debit card|card payment|pay by card|ach (?:details|instructions|info)|"
        r"wire (?:instructions|details)|bank (?:details|account|information|info)|"
        r"routing number|swift|iban|amex|american express|visa card|mastercard|discover card|"
        r"do you (?:accept|take)|online payment|payment link|remit(?:tance)? address|"
        r"mailing address for (?:payments?|checks?)|where (?:do|should|can) (?:i|we) "
        r"(?:send|mail) (?:a |the |our )?(?:check|payment)|"
        r"zelle|paypal|venmo|surcharge|convenience fee|pay online|payment portal|"
        r"how (?:can|do|should) (?:i|we) pay|ways to pay|payment options?|where (?:do|should) "
        r"(?:i|we) send (?:the )?(?:check|payment))\b",
        r"\b(?:tarjeta|transferencia bancaria|datos bancarios|cuenta bancaria|c[oó]mo (?:puedo|"
        r"podemos) pagar|formas? de pago|m[eé]todos? de pago)\b",
        r"\b(?:kreditkarte|bankverbindung|kontodaten|iban|lastschrift|wie (?:können|kann) "
        r"(?:wir|ich) (?:bezahlen|zahlen)|zahlungsmöglichkeit\w*|zahlungsart)\b",
        r"\b(?:carte bancaire|carte de crédit|coordonnées bancaires|rib|virement bancaire|"
        r"comment (?:payer|régler)|moyens? de paiement)\b",
    ),
    "rates": (
        r"\b(?:hourly rates?|your rates?|billing rates?|fee schedule|flat fee|how much (?:do|does|"
        r"would|will) (?:you|it|the firm) charge|what (?:do|does|would) (?:you|it) cost|"
        r"cost estimate|estimate of (?:the )?(?:fees|costs)|rate increase|hourly|per hour|"
        r"quote|pricing|price list|how much (?:would|will|does) (?:it|that|this) cost|fee for|"
        r"rates? (?:for|in) 20\d\d)\b",
        r"\b(?:tarifas?|honorarios|cu[aá]nto cobran|precio por hora|presupuesto)\b",
        r"\b(?:stundensatz|stundensätze|honorarsatz|honorarvereinbarung|kostenvoranschlag|"
        r"was kostet)\b",
        r"\b(?:tarifs?|taux horaire|honoraires|combien coûte|devis)\b",
    ),
    "balance": (
        r"\b(?:balance|how much (?:do|does) (?:i|we) owe|amount (?:due|owed|outstanding)|"
        r"outstanding|past due|overdue|still owe|what (?:do|does) (?:i|we) owe|open invoices?)\b",
        r"\b(?:saldo|cu[aá]nto debo|cu[aá]nto debemos|pendiente|adeud\w+|vencid[oa]s?)\b",
        r"\b(?:offen(?:e|er|en)? (?:betrag|posten|rechnung\w*|saldo)|saldo|ausstehend\w*|"
        r"überfällig|rückstand|wie viel (?:schulden|müssen))\b",
        r"\b(?:solde|montant dû|combien (?:je dois|nous devons|dois-je)|impayée?s?|en retard)\b",
    ),
}

# Portuguese and Italian: the same intents, fewer phrases (clients write these too).
_PT_IT: dict[str, dict[str, tuple[str, ...]]] = {
    "status": {
        "filed_or_received": (
            r"\b(?:receberam|recebido|recebidos|chegou|chegaram|protocolad[oa]s?|assinad[oa]s?|"
            r"ricevut[oiae]|arrivat[oiae]|depositat[oiae]|firmat[oiae])\b",
        ),
        "hearing_or_meeting": (
            r"\b(?:audiência|audiencia|reunião|tribunal|udienza|riunione|appuntamento|"
            r"tribunale)\b",
        ),
        "next_steps": (
            r"\b(?:próximos? passos?|o que (?:devo|preciso) fazer|prossimi passi|"
            r"cosa devo fare)\b",
        ),
        "timeline": (r"\b(?:quanto tempo|quando|prazo|demora|quanto ci vuole|tempi|ritardo)\b",),
    },
    "billing": {
        "tax_form": (r"\b(?:formulário fiscal|codice fiscale|partita iva)\b",),
        "payment_plan": (r"\b(?:parcel(?:as|ar|amento)|rate mensili|a rate)\b",),
        "dispute_or_error": (r"\b(?:erro|errado|cobrado duas vezes|errore|sbagliat[oa])\b",),
        "payment_confirmation": (
            r"\b(?:(?:pagamento|transferência|bonifico) (?:chegou|foi recebido|ricevuto|"
            r"arrivato)|já paguei|ho già pagato|abbiamo pagato)\b",
        ),
        "invoice_copy": (r"\b(?:cópia|segunda via|copia)\b[^.?!\n]{0,30}\bfattura|fatura",),
        "retainer_or_trust": (r"\b(?:adiantamento|provvigione|fondo spese|acconto)\b",),
        "payment_method": (
            r"\b(?:cartão|dados bancários|carta di credito|coordinate bancarie|come pagare|"
            r"como pagar)\b",
        ),
        "rates": (r"\b(?:honorários|tariffe|onorari|quanto custa|quanto costa)\b",),
        "balance": (r"\b(?:saldo devedor|quanto devo|importo dovuto|quanto devo)\b",),
    },
}
for _prefix, _table in (("status", STATUS), ("billing", BILLING)):
    for _name, _phrases in _PT_IT[_prefix].items():
        _table[_name] = (*_table[_name], *_phrases)  # type: ignore[index]

LEGAL: _Table = {}
OTHER: _Table = {}

TABLES: dict[str, tuple[str, _Table]] = {
    "status_request": ("status", STATUS),
    "billing_query": ("billing", BILLING),
}
GENERAL = {"status": "general", "billing": "balance"}

_WEAK = "(?#weak)"
_COMPILED = {
    label: (
        prefix,
        {
            name: [(re.compile(p), 0.5 if p.startswith(_WEAK) else 1.0) for p in phrases]
            for name, phrases in table.items()
        },
    )
    for label, (prefix, table) in TABLES.items()
}


def intents_for(label: str) -> list[str]:
    """Every intent the label may carry, spelled as they are stored."""
    return list(INTENTS.get(label, ()))


def predict_intent(
    label: str,
    subject: str,
    new_text: str,
    models: IntentModels | None = None,
    model_input: ModelInput | None = None,
) -> str | None:
    """The intent of a mail under `label`, or None for a label without intents here.

    With the learned models (classifier/intent_model.py) their answer wins when they
    are at least as sure as the threshold their cross-validation chose; otherwise, and
    without them, the phrase rules answer. `model_input`: what the classifier read of
    the mail (its flags too); by default the subject and new text alone."""
    by_rules = phrase_intent(label, subject, new_text)
    if by_rules is None or models is None or not models.covers(label):
        return by_rules
    intent, probability = models.predict(label, model_input or ModelInput(subject, new_text))
    return intent if probability >= models.threshold(label) else by_rules


def rules_intent(label: str, model_input: ModelInput) -> str:
    """The phrase rules' intent for what the classifier read (training compares with it)."""
    return phrase_intent(label, model_input.subject, model_input.new_text) or ""


def phrase_intent(label: str, subject: str, new_text: str) -> str | None:
    """The phrase rules alone: Legal questions and other mail carry no intent (a legal
    question is answered by an attorney whatever it asks, other mail gets no templated
    answer)."""
    if label not in _COMPILED:
        return None
    prefix, table = _COMPILED[label]
    text = f"{subject}\n{new_text}".lower()
    best, best_hits = GENERAL[prefix], 0.0
    for name, patterns in table.items():
        hits = sum(weight for p, weight in patterns if p.search(text))
        if hits > best_hits:
            best, best_hits = name, hits
    return f"{prefix}.{best}"
