"""The words clients name a kind of legal matter by, in two levels (data only).

A practice area ("immigration") holds specific concepts ("naturalization", "permanent
residence"): a word of a specific concept counts as its area too. Two matters of one
client in one area share the area and differ by the specific concept, so "the
citizenship interview" tells the naturalization from the green card; "my immigration
case" still finds the only immigration matter. A concept named like its area holds
words that name the area alone.

US practice first, with the Spanish, German and French words clients write. A word
that several areas use ("claim", "hearing", "application", "petition", "filing",
"settlement", "appeal", "permit", "termination", "complaint", "audit", "spouse",
"beneficiary") names no concept: a mail word may only link matters of one area. Words
are written naturally (accents and case do not matter); a space also matches a hyphen
or a line break, a hyphen is optional ("I-485" = "I485"), and a plural "s" or "es" is
allowed. The longest phrase wins where phrases overlap: "real estate" is property, not
an estate; NOT_CONCEPTS holds such phrases that name nothing ("trust account").
"""

from __future__ import annotations

# fmt: off
AREAS: dict[str, dict[str, tuple[str, ...]]] = {
    "immigration": {
        "immigration": (
            "immigration", "immigrant", "uscis", "biometrics", "biometría", "request for evidence",
            "receipt notice", "advance parole", "travel document", "i-94", "i-131", "vawa",
            "inmigración", "migración", "extranjería", "einwanderung", "ausländerbehörde",
        ),
        "naturalization": (
            "naturalization", "naturalisation", "naturalize", "naturalized", "citizenship",
            "become a citizen", "becoming a citizen", "n-400", "n-600", "oath ceremony",
            "oath of allegiance", "civics test", "naturalización", "ciudadanía", "einbürgerung",
            "staatsbürgerschaft", "citoyenneté",
        ),
        "permanent_residence": (
            "green card", "greencard", "permanent residence", "permanent resident",
            "permanent residency", "lawful permanent", "adjustment of status", "i-485", "i-130",
            "i-140", "i-751", "i-864", "affidavit of support", "removal of conditions",
            "conditional residence", "conditional resident", "conditions on residence",
            "immigrant visa", "consular processing", "priority date", "visa bulletin",
            "national visa center", "ds-260", "labor certification", "eb-5", "residencia",
            "residencia permanente", "tarjeta verde", "niederlassungserlaubnis",
            "carte de résident",
        ),
        "visa": (
            "visa", "visado", "visum", "nonimmigrant", "h-1b", "h-2a", "h-2b", "h-4", "l-1", "l-1a",
            "l-1b", "o-1", "e-2 visa", "e-2 treaty", "tn visa", "tn status", "f-1 visa",
            "f-1 student", "f-1 status", "j-1 visa", "j-1 waiver", "b-1 visa", "b-2 visa",
            "tourist visa", "visitor visa", "student visa", "work visa", "k-1 visa", "fiancé visa",
            "i-129", "i-129f", "i-539", "ds-160", "extension of stay",
            "labor condition application", "visa de trabajo", "arbeitsvisum",
            "aufenthaltserlaubnis", "aufenthaltstitel", "titre de séjour",
        ),
        "work_permit": (
            "work permit", "work authorization", "employment authorization", "ead", "i-765",
            "permiso de trabajo", "arbeitserlaubnis", "permis de travail",
            "autorisation de travail",
        ),
        "asylum": (
            "asylum", "asylee", "refugee", "i-589", "credible fear", "withholding of removal",
            "asilo", "refugiado", "asyl", "asylantrag", "asile",
        ),
        "removal_defense": (
            "deportation", "deport", "deported", "removal proceedings", "removal defense",
            "immigration court", "immigration judge", "notice to appear", "cancellation of removal",
            "immigration detention", "immigration bond", "deportación", "abschiebung",
        ),
        "daca": ("daca", "deferred action", "dreamer"),
        "tps": ("tps", "temporary protected status"),
    },
    "family": {
        "family": (
            "family law", "family court", "domestic partnership", "juzgado de familia",
            "familienrecht", "familiengericht",
        ),
        "divorce": (
            "divorce", "divorced", "divorcing", "dissolution of marriage", "legal separation",
            "alimony", "spousal support", "spousal maintenance", "marital", "marital settlement",
            "division of property", "property division", "community property", "marital property",
            "divorcio", "pensión compensatoria", "scheidung", "ehescheidung", "ehegattenunterhalt",
            "prestation compensatoire",
        ),
        "custody": (
            "custody", "custodial", "child custody", "parenting plan", "parenting time",
            "residential schedule", "visitation", "co-parent", "co-parenting", "guardian ad litem",
            "custodia", "guarda y custodia", "régimen de visitas", "sorgerecht", "umgangsrecht",
            "droit de garde", "droit de visite", "garde des enfants",
        ),
        "child_support": (
            "child support", "support order", "pensión alimenticia", "manutención",
            "cuota alimentaria", "kindesunterhalt", "unterhalt", "pension alimentaire",
        ),
        "adoption": ("adoption", "stepparent adoption", "adoptive", "adopt a child", "adopción"),
        "protection_order": (
            "protection order", "order of protection", "restraining order", "anti-harassment order",
            "domestic violence", "orden de protección", "orden de alejamiento",
        ),
        "paternity": ("paternity", "parentage", "paternidad", "vaterschaft", "paternité"),
        "prenuptial": (
            "prenup", "prenuptial", "postnuptial", "premarital agreement", "marital agreement",
            "capitulaciones matrimoniales", "ehevertrag", "contrat de mariage",
        ),
    },
    "estate": {
        "estate": (
            "estate", "estate tax", "gift tax", "elder law", "medicaid planning", "testamentary",
        ),
        "estate_plan": (
            "estate plan", "estate planning", "testament", "last will", "pour-over will", "codicil",
            "testamento",
        ),
        "advance_directive": (
            "power of attorney", "powers of attorney", "durable power of attorney",
            "healthcare directive", "health care directive", "advance directive", "living will",
            "health care proxy", "healthcare proxy", "patientenverfügung", "vorsorgevollmacht",
            "directives anticipées",
        ),
        "probate": (
            "probate", "probated", "executor", "executrix", "personal representative",
            "letters testamentary", "letters of administration", "estate administration",
            "administration of the estate", "settle the estate", "settling the estate", "estate of",
            "intestate", "intestacy", "decedent", "inheritance", "heir", "will contest",
            "small estate affidavit", "sucesión", "herencia", "albacea", "herederos", "heredero",
            "testamentaría", "nachlass", "nachlassverfahren", "erbschein", "erbschaft",
        ),
        "trust": (
            "trust", "trustee", "revocable trust", "living trust", "irrevocable trust",
            "trust administration", "special needs trust", "family trust", "successor trustee",
            "fideicomiso", "fiducie",
        ),
        "guardianship": (
            "guardianship", "conservatorship", "guardian", "conservator", "tutela", "curatela",
            "vormundschaft", "tutelle",
        ),
    },
    "property": {
        "property": (
            "property", "properties", "real estate", "real property", "realty", "joint tenants",
            "joint tenancy", "tenants in common", "house", "deed", "title insurance", "mortgage",
            "investment property", "estate agent", "inmueble", "bienes raíces", "propiedad",
            "immobilie", "immobilien", "grundstück", "immobilier", "bien immobilier",
        ),
        "property_sale": (
            "escrow", "earnest money", "closing disclosure", "purchase and sale", "home purchase",
            "house purchase", "home sale", "house sale", "buying a house", "buying a home",
            "selling the house", "selling our house", "sale of the house", "sale of the property",
            "purchase of the property", "offer on the house", "listing agreement",
            "home inspection", "inspection contingency", "financing contingency", "title company",
            "compraventa", "compra de vivienda", "hauskauf", "immobilienkauf", "achat immobilier",
            "compromis de vente",
        ),
        "title_dispute": (
            "title dispute", "quiet title", "quitclaim", "quitclaim deed", "title defect",
            "cloud on title", "clouded title", "boundary dispute", "boundary line", "property line",
            "lot line", "easement", "encroachment", "encroach", "adverse possession", "servidumbre",
            "grenzstreit",
        ),
        "construction": (
            "construction", "contractor", "subcontractor", "general contractor", "mechanic's lien",
            "construction lien", "remodel", "remodeling", "renovation", "change order",
            "punch list", "construction defect", "contratista", "bauvertrag", "bauunternehmer",
        ),
        "land_use": (
            "zoning", "rezone", "rezoning", "variance", "land use", "conditional use",
            "building permit", "site plan", "subdivision", "short plat", "zonificación",
            "uso de suelo", "bebauungsplan", "baugenehmigung", "permis de construire", "zonage",
        ),
        "hoa": (
            "hoa", "homeowners association", "homeowners' association", "homeowner's association",
            "condo association", "condominium association", "cc&r", "comunidad de propietarios",
            "copropriété",
        ),
    },
    "lease": {
        "lease": (
            "lease", "leased", "landlord", "tenant", "tenancy", "rent", "rental", "lessee",
            "lessor", "arrendamiento", "arrendador", "arrendatario", "inquilino", "alquiler",
            "mietvertrag", "vermieter", "mieter", "miete", "mietrecht", "locataire", "loyer",
            "bailleur",
        ),
        "eviction": (
            "eviction", "evict", "evicted", "evicting", "unlawful detainer", "notice to quit",
            "notice to vacate", "pay or vacate", "pay or quit", "writ of restitution",
            "writ of possession", "retaliatory eviction", "desalojo", "desahucio", "räumung",
            "räumungsklage", "zwangsräumung",
        ),
        "security_deposit": (
            "security deposit", "damage deposit", "rental deposit", "deposit return",
            "return of the deposit", "kaution", "mietkaution", "depósito de garantía",
            "dépôt de garantie",
        ),
        "lease_renewal": (
            "lease renewal", "renew the lease", "renewing the lease", "renewal of the lease",
            "lease extension", "extend the lease", "extension of the lease", "option to renew",
            "renewal option", "renouvellement du bail",
        ),
        "lease_transfer": (
            "sublease", "sublet", "subletting", "subtenant", "sublessee", "lease assignment",
            "assignment of lease", "assignment of the lease", "assign the lease", "untervermietung",
            "subarriendo", "sous-location",
        ),
        "habitability": ("habitability", "uninhabitable", "warranty of habitability"),
    },
    "employment": {
        "employment": (
            "employment", "employee", "employer", "fired", "laid off", "layoff",
            "independent contractor", "misclassification", "empleo", "empleador", "empleado",
            "arbeitgeber", "arbeitnehmer", "arbeitsrecht", "arbeitsverhältnis", "employeur",
            "salarié", "droit du travail",
        ),
        "discrimination": (
            "discrimination", "discriminate", "discriminated", "discriminatory", "harassment",
            "harassed", "sexual harassment", "hostile work environment", "retaliation",
            "retaliated", "eeoc", "charge of discrimination", "human rights commission",
            "right to sue", "position statement", "title vii", "reasonable accommodation",
            "discriminación", "acoso", "acoso laboral", "diskriminierung", "belästigung", "mobbing",
            "harcèlement",
        ),
        "wrongful_termination": (
            "wrongful termination", "wrongful discharge", "wrongful dismissal", "unfair dismissal",
            "constructive discharge", "unlawful termination", "despido", "despido injustificado",
            "kündigungsschutz", "kündigungsschutzklage", "licenciement",
        ),
        "severance": (
            "severance", "severance agreement", "severance package", "severance pay",
            "separation pay", "abfindung", "indemnización por despido", "indemnité de licenciement",
            "rupture conventionnelle",
        ),
        "noncompete": (
            "noncompete", "non-compete", "noncompetition", "non-competition", "non-solicitation",
            "non-solicit", "no-poach", "wettbewerbsverbot", "no competencia",
            "cláusula de no competencia", "non-concurrence",
        ),
        "wage": (
            "wage", "unpaid wages", "wage claim", "overtime", "minimum wage", "final paycheck",
            "paycheck", "flsa", "wage and hour", "meal breaks", "rest breaks", "unpaid commission",
            "salario", "horas extra", "überstunden", "heures supplémentaires", "salaire",
        ),
        "workers_comp": (
            "workers comp", "workers' comp", "worker's comp", "workers compensation",
            "workers' compensation", "worker's compensation", "work injury", "workplace injury",
            "on-the-job injury", "injured at work", "l&i", "labor and industries",
            "industrial insurance", "accidente de trabajo", "accidente laboral", "arbeitsunfall",
            "accident du travail",
        ),
        "employment_contract": (
            "employment agreement", "employment contract", "offer letter", "contrato de trabajo",
            "contrato laboral", "arbeitsvertrag", "contrat de travail",
        ),
        "handbook": (
            "handbook", "employee handbook", "employee manual", "workplace policies",
            "personnel policies",
        ),
        "leave": (
            "fmla", "family leave", "medical leave", "parental leave", "maternity leave",
            "paternity leave", "leave of absence", "pfml",
        ),
        "unemployment": (
            "unemployment", "unemployment benefits", "desempleo", "arbeitslosengeld", "chômage",
        ),
    },
    "business": {
        "business": (
            "corporate", "shareholder", "stockholder", "board of directors", "partnership",
            "gesellschafter", "accionista", "actionnaire",
        ),
        "formation": (
            "formation", "incorporation", "incorporate", "incorporating", "bylaws",
            "operating agreement", "articles of incorporation", "articles of organization",
            "certificate of formation", "llc formation", "form an llc", "forming an llc",
            "registered agent", "entity formation", "estatutos", "gründung", "satzung",
            "gesellschaftsvertrag", "statuts",
        ),
        "governance": (
            "shareholder agreement", "shareholders agreement", "shareholders' agreement",
            "stockholder agreement", "buy-sell agreement", "partnership agreement",
            "board resolution", "corporate minutes", "cap table", "stock options", "option grant",
        ),
        "owner_dispute": (
            "partner dispute", "partnership dispute", "shareholder dispute", "business divorce",
            "minority shareholder", "buy out my partner", "buyout of my partner",
            "gesellschafterstreit",
        ),
        "financing": (
            "financing", "funding", "investment", "investor", "term sheet", "funding round",
            "seed round", "series a", "series b", "priced round", "convertible note", "safe note",
            "venture capital", "angel investor", "capital raise", "raise capital",
            "private placement", "subscription agreement", "financiación", "financiamiento",
            "inversión", "inversionista", "inversor", "finanzierung", "finanzierungsrunde",
            "levée de fonds", "financement",
        ),
        "merger": (
            "merger", "m&a", "acquisition", "acquire", "acquiring", "asset purchase",
            "stock purchase", "share purchase", "sale of the business", "sale of my business",
            "selling the business", "selling my business", "business sale", "buy the business",
            "buying the business", "adquisición", "unternehmenskauf",
        ),
        "franchise": (
            "franchise", "franchisor", "franchisee", "franchising", "fdd",
            "franchise disclosure document", "franquicia", "franchiseur",
        ),
        "privacy": (
            "privacy", "gdpr", "data protection", "ccpa", "data breach", "privacy policy", "hipaa",
            "data processing agreement", "datenschutz", "dsgvo", "protección de datos", "rgpd",
            "données personnelles",
        ),
        "distribution": (
            "distribution agreement", "distributor", "distributorship", "exclusive distribution",
            "reseller", "reseller agreement", "dealer agreement", "vertriebsvertrag",
            "vertriebspartner", "vertriebsvereinbarung", "händlervertrag", "distribuidor",
            "contrato de distribución", "distributeur", "contrat de distribution",
        ),
        "supply": (
            "supply agreement", "supply contract", "supplier agreement", "supplier contract",
            "vendor agreement", "vendor contract", "liefervertrag", "contrato de suministro",
        ),
        "confidentiality": (
            "nda", "non-disclosure agreement", "nondisclosure agreement",
            "confidentiality agreement", "geheimhaltungsvereinbarung",
            "acuerdo de confidencialidad",
        ),
        "services_contract": (
            "master services agreement", "msa", "services agreement", "service agreement",
            "consulting agreement", "statement of work",
        ),
        "dissolution": (
            "dissolve the company", "dissolve the llc", "dissolving the company",
            "articles of dissolution", "wind down", "winding up",
        ),
    },
    "ip": {
        "ip": (
            "intellectual property", "uspto", "office action", "propiedad intelectual",
            "geistiges eigentum", "propriété intellectuelle",
        ),
        "trademark": (
            "trademark", "tm", "brand", "logo", "service mark", "trade name",
            "trademark registration", "trademark opposition", "statement of use", "specimen of use",
            "intent to use", "marca", "marca registrada", "marke", "markenanmeldung", "markenrecht",
            "marque déposée", "dépôt de marque",
        ),
        "ip_dispute": (
            "infringement", "infringe", "infringing", "infringed", "counterfeit", "knockoff",
            "knock-off", "copycat", "notice of opposition", "opposition proceeding",
            "trademark opposition", "ttab", "cancellation proceeding", "likelihood of confusion",
            "dmca", "takedown", "take-down notice", "udrp",
        ),
        "patent": (
            "patent", "patented", "patent application", "invention", "inventor", "prior art",
            "provisional patent", "utility patent", "design patent", "brevet", "erfindung",
        ),
        "copyright": (
            "copyright", "copyrighted", "copyright registration", "derechos de autor",
            "urheberrecht", "droit d'auteur", "droits d'auteur",
        ),
        "ip_license": (
            "license agreement", "licensing agreement", "licence agreement", "royalty", "royalties",
            "licensee", "licensor", "lizenzvertrag", "regalías",
        ),
        "trade_secret": (
            "trade secret", "misappropriation", "geschäftsgeheimnis", "secreto comercial",
            "secret des affaires",
        ),
    },
    "lawsuit": {
        "lawsuit": (
            "lawsuit", "litigation", "litigate", "file suit", "filed suit", "filing suit",
            "bring suit", "common pleas", "sued", "suing", "court case", "plaintiff", "summons",
            "trial date", "jury", "demanda judicial", "demandar", "demandado", "klage", "verklagt",
            "rechtsstreit", "gerichtsverfahren", "poursuite judiciaire", "assignation",
        ),
        "discovery": (
            "discovery", "interrogatory", "interrogatories", "deposition", "request for production",
            "requests for production", "request for admission", "requests for admission",
            "document production", "subpoena", "motion to compel",
        ),
        "appeal": ("notice of appeal", "court of appeals", "appellate", "appellant", "appellee"),
        "injunction": (
            "injunction", "temporary restraining order", "tro", "preliminary injunction",
            "einstweilige verfügung", "medida cautelar",
        ),
        "arbitration": (
            "arbitration", "arbitrator", "arbitral", "arbitraje", "schiedsverfahren",
            "schiedsgericht",
        ),
        "defamation": (
            "defamation", "defamatory", "libel", "slander", "difamación", "verleumdung",
            "diffamation",
        ),
        "small_claims": ("small claims", "small claims court"),
        "class_action": ("class action", "demanda colectiva", "sammelklage"),
    },
    "injury": {
        "injury": (
            "injury", "injuries", "injured", "accident", "personal injury", "pain and suffering",
            "negligence", "accidente", "lesiones", "unfall",
        ),
        "vehicle_accident": (
            "car accident", "auto accident", "motor vehicle accident", "vehicle accident",
            "car crash", "truck accident", "motorcycle accident", "bicycle accident",
            "bike accident", "pedestrian accident", "rear-ended", "hit and run", "collision", "mva",
            "uninsured motorist", "underinsured motorist", "accidente de tráfico",
            "accidente de auto", "accidente de carro", "choque", "verkehrsunfall", "autounfall",
            "accident de voiture", "accident de la route",
        ),
        "premises_liability": (
            "slip and fall", "trip and fall", "premises liability", "dog bite", "dog attack",
        ),
        "malpractice": (
            "malpractice", "medical malpractice", "legal malpractice", "medical negligence",
            "negligencia médica", "behandlungsfehler", "erreur médicale",
        ),
        "wrongful_death": ("wrongful death",),
        "product_liability": (
            "product liability", "defective product", "product defect", "produkthaftung",
        ),
    },
    "criminal": {
        "criminal": (
            "criminal", "crime", "arrest", "arrested", "charged with", "prosecutor",
            "district attorney", "public defender", "plea", "plea deal", "plea bargain",
            "arraignment", "misdemeanor", "misdemeanour", "felony", "felonies", "indictment",
            "indicted", "conviction", "convicted", "in custody", "police custody",
            "domestic violence", "sentencing", "jail", "prison", "criminal record", "delito",
            "arresto", "cargos penales", "antecedentes penales", "straftat", "strafverfahren",
            "strafanzeige", "anklage", "casier judiciaire",
        ),
        "dui": (
            "dui", "dwi", "drunk driving", "driving under the influence",
            "driving while intoxicated", "breathalyzer", "breath test", "ignition interlock",
            "trunkenheit am steuer", "alcoholemia", "alcool au volant",
        ),
        "traffic": (
            "traffic ticket", "speeding ticket", "speeding", "traffic citation",
            "traffic infraction", "traffic violation", "moving violation", "reckless driving",
            "dwls", "multa de tráfico", "multa de tránsito", "strafzettel", "bußgeld",
            "bußgeldbescheid", "excès de vitesse",
        ),
        "expungement": (
            "expungement", "expunge", "expunged", "record sealing", "seal my record",
            "sealing my record", "vacate my conviction", "vacate the conviction",
        ),
        "probation": ("probation", "probation violation", "probation officer", "parole officer"),
    },
    "tax": {
        "tax": (
            "tax", "irs", "internal revenue", "department of revenue", "estate tax", "gift tax",
            "impuestos", "impuesto", "steuer", "steuern", "finanzamt", "impôts", "impôt",
        ),
        "tax_audit": (
            "tax audit", "irs audit", "notice of deficiency", "deficiency notice", "cp2000",
            "tax court", "betriebsprüfung", "steuerprüfung", "auditoría fiscal",
            "inspección de hacienda", "contrôle fiscal", "vérification fiscale",
        ),
        "tax_return": (
            "tax return", "tax filing", "file my taxes", "filing my taxes", "form 1040",
            "amended return", "tax preparation", "tax prep", "steuererklärung",
            "declaración de impuestos", "declaración de la renta", "déclaration d'impôts",
            "déclaration de revenus",
        ),
        "tax_debt": (
            "back taxes", "tax debt", "tax lien", "tax levy", "bank levy", "wage levy",
            "offer in compromise", "penalty abatement", "currently not collectible",
            "steuerschulden", "deuda tributaria",
        ),
        "business_tax": (
            "sales tax", "payroll tax", "use tax", "excise tax", "b&o tax", "franchise tax", "vat",
            "mehrwertsteuer", "umsatzsteuer", "tva",
        ),
        "property_tax": (
            "property tax", "property tax appeal", "assessment appeal", "assessed value",
            "grundsteuer", "impuesto predial", "taxe foncière",
        ),
    },
    "debt": {
        "debt": (
            "debt", "creditor", "debtor", "repossession", "repossessed", "deuda", "deudas",
            "acreedor", "acreedores", "schulden", "gläubiger", "dette", "créancier",
        ),
        "bankruptcy": (
            "bankruptcy", "bankrupt", "chapter 7", "chapter 11", "chapter 13", "means test",
            "meeting of creditors", "341 meeting", "automatic stay", "bankruptcy trustee",
            "chapter 13 trustee", "proof of claim", "reaffirmation agreement", "insolvency",
            "insolvent", "quiebra", "bancarrota", "concurso de acreedores", "insolvenz",
            "insolvenzverfahren", "privatinsolvenz", "faillite", "liquidation judiciaire",
            "redressement judiciaire",
        ),
        "collection": (
            "collection", "collections", "debt collection", "debt collector", "collection agency",
            "collection letter", "garnishment", "garnish", "garnished", "wage garnishment",
            "cobranza", "agencia de cobro", "cobro de deudas", "inkasso", "recouvrement",
        ),
        "foreclosure": (
            "foreclosure", "foreclose", "foreclosed", "foreclosing", "notice of default",
            "trustee sale", "trustee's sale", "sheriff sale", "short sale", "deed in lieu",
            "loan modification", "mortgage modification", "ejecución hipotecaria",
            "zwangsversteigerung", "saisie immobilière",
        ),
    },
    "administrative": {
        "administrative": ("administrative hearing", "administrative law judge", "agency decision"),
        "professional_license": (
            "professional license", "license revocation", "licensing board", "disciplinary action",
            "disciplinary proceeding", "board complaint", "bar complaint", "medical board",
            "nursing board", "board of nursing", "medical commission", "dental commission",
            "statement of charges",
        ),
        "business_license": (
            "business license", "liquor license", "cannabis license", "gaming license",
            "contractor license", "contractor's license", "gewerbeschein", "gewerbeanmeldung",
        ),
        "benefits": (
            "social security disability", "ssdi", "ssi", "disability benefits", "medicaid",
            "food stamps", "snap benefits", "veterans benefits",
        ),
        "public_records": ("public records request", "foia", "freedom of information"),
    },
}

# Concepts that cut across the areas: every area has its agreements and its sales. A
# phrase of an area that holds one of these words counts for it too ("lease agreement").
ACROSS: dict[str, tuple[str, ...]] = {
    "contract": (
        "contract", "agreement", "contrato", "acuerdo", "vertrag", "vereinbarung", "contrat",
    ),
    "purchase": ("purchase", "closing", "buying", "acquisition", "acquire", "sale"),
}

# Phrases that hold a concept word and name no matter: "the trust account" is billing,
# "brand new" no trademark, "I trust you are well" no trust.
NOT_CONCEPTS: tuple[str, ...] = (
    "trust account", "client trust", "trust balance", "trust deposit", "iolta", "anti-trust",
    "i trust", "we trust", "brand new", "privacy fence", "by accident", "visa card", "visa credit",
    "visa debit", "visa payment", "visa ending", "visa on file", "visa or mastercard",
    "mastercard or visa", "by visa", "via visa", "pay with visa", "paid with visa", "vat number",
    "vat id", "numéro de tva", "tva intracommunautaire", "umsatzsteuer-id", "contain trade secrets",
    "purchase order", "in-house", "marital status", "property management", "property manager",
    "tax id", "tax identification", "for tax purposes", "social security number", "discovery call",
)
# fmt: on
