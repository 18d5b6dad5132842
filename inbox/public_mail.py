"""Public mail providers: a domain that anyone can have an address at (pure).

A client's domain says that every sender at it writes for that client. Given
"gmail.com" (an individual client's personal address, typed into the domain
column), every Gmail user would be taken for that client: drafts about their matters
would be offered to strangers, and the outbox's recipient check would let them
through. Such a domain is never a client's; their addresses belong in contacts.csv.
"""

from __future__ import annotations

import re

PUBLIC_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com ymail.com rocketmail.com hotmail.com outlook.com
    live.com msn.com icloud.com me.com mac.com aol.com protonmail.com protonmail.ch proton.me
    pm.me tutanota.com tuta.io fastmail.com hey.com zoho.com mail.com email.com gmx.com
    gmx.net gmx.de gmx.at gmx.ch web.de t-online.de freenet.de posteo.de mailbox.org
    mail.ru inbox.ru list.ru bk.ru yandex.ru yandex.com ukr.net qq.com 163.com 126.com
    sina.com naver.com hanmail.net daum.net free.fr orange.fr laposte.net sfr.fr wanadoo.fr
    libero.it virgilio.it tiscali.it alice.it wp.pl o2.pl interia.pl onet.pl seznam.cz
    comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net earthlink.net
    charter.net optonline.net btinternet.com sky.com virginmedia.com bigpond.com shaw.ca
    rogers.com sympatico.ca uol.com.br bol.com.br terra.com.br rediffmail.com
    """.split()
)
# The big providers' country domains: yahoo.co.uk, hotmail.fr, outlook.de, gmx.es ...
_PROVIDER_ABROAD = re.compile(
    r"^(?:yahoo|ymail|hotmail|outlook|live|msn|gmx|yandex|aol|libero|orange)"
    r"\.(?:[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$"
)


def is_public_mail_domain(domain: str) -> bool:
    """Whether anyone can have an address at `domain` (a subdomain's too)."""
    lowered = domain.strip().strip(".").lower()
    labels = lowered.split(".")
    tails = {".".join(labels[i:]) for i in range(len(labels) - 1)}
    return bool(tails & PUBLIC_MAIL_DOMAINS) or any(map(_PROVIDER_ABROAD.match, tails))
