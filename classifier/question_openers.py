"""Words that open a question, in the languages the corpus is written in beyond English,
Spanish and German, for both sentence readers (classifier/sentences.py for the legal
guard, classifier/asking.py for the model's asking block).

A phone-typed question often loses its "?", and a Korean or Russian writer's often has
none; the opening word still asks ("quando arriva la sentenza", "когда будет решение").
Words that open statements as often as questions are left out ("jak" / "как" / "як":
"as" as much as "how"; "co" / "что" / "що": "that", "as for").
"""

from __future__ import annotations

MORE_OPENERS = (
    r"possiamo|dobbiamo|pu[òo]|potete|potreste|potrebbe|quando|dove|perch[ée]|cosa|quale|"
    r"quali|quanto|quanti|c'[èe]|pouvez|pourriez|comment|o[ùu]|pourquoi|quel|quelle|combien|"
    r"faut-il|podemos|devemos|preciso|precisamos|onde|qual|cu[áa]nto|cu[áa]l|necesito|"
    r"debemos|podr[íi]a|kiedy|dlaczego|gdzie|ile|jaki|jaka|jakie|kto|mo[żz]emy|"
    r"musz[ęe]|musimy|можно|могу|можем|нужно|надо|должен|должна|должны|когда|"
    r"почему|зачем|где|сколько|какой|какая|какие|кто|коли|чому|де|скільки|можна|"
    r"можу|можемо|потрібно|треба|який|яка|які|хто|هل|متى|كيف|ماذا|لماذا|أين|كم|ليش|وين|"
    r"bao giờ|khi nào|tại sao|làm sao|có phải|liệu"
)
