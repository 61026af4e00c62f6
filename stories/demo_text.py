"""The demo series: six episodes of #CreateKindness, texts in en/it/fr/de.

Demo material, and it says so: the English titles and creator handles are those of
TikTok's series on @TikTokTips (the it/fr/de titles are this site's translations, and
the episode page keeps the original beside them), but the clips are generated placeholders, and every text here
describes the original episodes in the third person, from TikTok's own announcement.
No line is put in a real creator's mouth (no "I", no quotes).
"""

SERIES = {
    "slug": "create-kindness",
    "published_by": "@TikTokTips",
    "title_en": "#CreateKindness",
    "title_it": "#CreateKindness",
    "title_fr": "#CreateKindness",
    "title_de": "#CreateKindness",
    "description_en": (
        "An animated video series TikTok published on @TikTokTips: six "
        "creator-animators tell real and personal stories about online bullying."
    ),
    "description_it": (
        "Una serie di video animati pubblicata da TikTok su @TikTokTips: sei "
        "creator e animatori raccontano storie vere e personali sul bullismo online."
    ),
    "description_fr": (
        "Une série de vidéos animées publiée par TikTok sur @TikTokTips\u00a0: six "
        "créateurs-animateurs racontent des histoires vraies et personnelles sur le "
        "harcèlement en ligne."
    ),
    "description_de": (
        "Eine animierte Videoreihe, die TikTok auf @TikTokTips veröffentlicht hat: "
        "Sechs Creators, die selbst animieren, erzählen echte, persönliche Geschichten über "
        "Mobbing im Netz."
    ),
}

# Each episode: slug, handle, situation, colours, texts per language:
# (title, description, tips one per line). The description restates in the third
# person what TikTok's announcement says the original episode does; it is both the
# synopsis and the caption over the demo clip, so it does not name the creator: the
# series reveals them at the end (BEHIND, the last cue, and the reveal card). The
# tips are this site's own advice.
EPISODES = [
    {
        "slug": "block-the-bullies",
        "handle": "@milkymichii",
        "situation": "unkind_duets",
        "colours": ((255, 183, 197), (124, 58, 237)),
        "en": (
            "Block the Bullies",
            "In the original episode, its creator shows how to deal with unkind Duets.",
            "You can block accounts and limit who may Duet your videos.\n"
            "Don't reply to a mocking Duet; report it instead.\n"
            "If a friend is targeted, tell them you've got their back.",
        ),
        "it": (
            "Blocca i bulli",
            "Nell’episodio originale, chi l’ha creato mostra come affrontare i Duetti scortesi.",
            "Puoi bloccare gli account e scegliere chi può fare Duetti con i tuoi video.\n"
            "Non rispondere a un Duetto che ti deride: segnalalo.\n"
            "Se prendono di mira un’amica o un amico, fagli sapere che sei dalla sua parte.",
        ),
        "fr": (
            "Bloque les harceleurs",
            "Dans l’épisode original, la personne qui l’a créé montre comment réagir face aux Duos malveillants.",
            "Tu peux bloquer des comptes et choisir qui peut faire un Duo avec tes vidéos.\n"
            "Ne réponds pas à un Duo moqueur\u00a0: signale-le.\n"
            "Si un ami est visé, dis-lui que tu es là pour lui.",
        ),
        "de": (
            "Blockier die Mobber",
            "In der Originalfolge zeigt die Person dahinter, wie man mit unfreundlichen Duetten umgeht.",
            "Du kannst Konten blockieren und festlegen, wer Duette mit dir machen darf.\n"
            "Antworte nicht auf ein spöttisches Duett, sondern melde es.\n"
            "Wird jemand aus deinem Freundeskreis angegriffen, zeig, dass du zu ihm hältst.",
        ),
    },
    {
        "slug": "why-would-you",
        "handle": "@recokh",
        "situation": "insecurity",
        "colours": ((253, 230, 138), (30, 64, 175)),
        "en": (
            "Why Would You…",
            "In the original episode, its creator sheds light on how his insecurities are behind the wish to be unkind to others, and on how to navigate these feelings.",
            "Before posting a comment, ask yourself why you want to write it.\n"
            "Feeling bad about yourself is not a reason to make others feel bad.\n"
            "Talk to someone you trust when you feel low.",
        ),
        "it": (
            "Perché mai…",
            "Nell’episodio originale, l’autore mostra come le sue insicurezze stiano dietro al desiderio di essere cattivo con gli altri, e come gestire queste emozioni.",
            "Prima di commentare, chiediti perché vuoi scriverlo.\n"
            "Sentirsi male con se stessi non è un motivo per far stare male gli altri.\n"
            "Quando sei giù, parlane con qualcuno di cui ti fidi.",
        ),
        "fr": (
            "Pourquoi ferais-tu…",
            "Dans l’épisode original, son auteur montre comment son manque de confiance en soi est à l’origine de l’envie d’être méchant avec les autres, et comment gérer ces sentiments.",
            "Avant de commenter, demande-toi pourquoi tu veux l’écrire.\n"
            "Se sentir mal n’est pas une raison pour faire du mal aux autres.\n"
            "Parle à quelqu’un de confiance quand ça ne va pas.",
        ),
        "de": (
            "Warum würdest du…",
            "In der Originalfolge zeigt ihr Creator, wie seine Unsicherheiten hinter dem Wunsch stecken, gemein zu anderen zu sein, und wie man mit diesen Gefühlen umgehen kann.",
            "Frag dich vor einem Kommentar, warum du ihn schreiben willst.\n"
            "Sich schlecht zu fühlen ist kein Grund, andere schlecht zu behandeln.\n"
            "Sprich mit jemandem, dem du vertraust, wenn es dir nicht gut geht.",
        ),
    },
    {
        "slug": "i-want-to-hold-on-to",
        "handle": "@kellyemmrich",
        "situation": "negative_comments",
        "colours": ((167, 243, 208), (190, 24, 93)),
        "en": (
            "I Want to Hold On To",
            "In the original episode, its creator shares how to overcome negative comments by focusing on the communities that celebrate her.",
            "You can filter comments with keywords and delete hurtful ones.\n"
            "Spend your time in communities that lift you up.\n"
            "Leave a kind comment for a creator you like: it matters.",
        ),
        "it": (
            "Ciò a cui voglio tenermi stretta",
            "Nell’episodio originale, l’autrice racconta come superare i commenti negativi concentrandosi sulle community che la sostengono.",
            "Puoi filtrare i commenti per parole chiave ed eliminare quelli offensivi.\n"
            "Passa il tuo tempo nelle community che ti fanno stare bene.\n"
            "Lascia un commento gentile a una creator che ti piace: conta.",
        ),
        "fr": (
            "Ce à quoi je veux m’accrocher",
            "Dans l’épisode original, son autrice raconte comment surmonter les commentaires négatifs en se concentrant sur les communautés qui la soutiennent.",
            "Tu peux filtrer les commentaires par mots-clés et supprimer les plus blessants.\n"
            "Passe ton temps dans des communautés qui te font du bien.\n"
            "Laisse un commentaire gentil à une créatrice que tu aimes\u00a0: ça compte.",
        ),
        "de": (
            "Woran ich festhalten will",
            "In der Originalfolge erzählt ihre Creatorin, wie sie negative Kommentare hinter sich lässt, indem sie sich auf die Communitys konzentriert, die sie feiern.",
            "Du kannst Kommentare mit Stichwörtern filtern und verletzende löschen.\n"
            "Verbring deine Zeit in Communitys, die dich stärken.\n"
            "Hinterlass einer Creatorin, die du magst, einen netten Kommentar: Das zählt.",
        ),
    },
    {
        "slug": "walk-away",
        "handle": "@amyrightmeow",
        "situation": "misrepresented",
        "colours": ((191, 219, 254), (15, 118, 110)),
        "en": (
            "Walk Away",
            "In the original episode, its creator gives advice on how they deal with people who deliberately misrepresent their thoughts.",
            "You don't have to answer every misunderstanding.\n"
            "Say it once, clearly, then step back.\n"
            "Check what someone really said before you share a clip of them.",
        ),
        "it": (
            "Andarsene",
            "Nell’episodio originale, chi l’ha creato dà consigli su come affronta le persone che travisano di proposito i suoi pensieri.",
            "Non devi rispondere a ogni malinteso.\n"
            "Dillo una volta, con chiarezza, poi fai un passo indietro.\n"
            "Controlla cosa ha detto davvero qualcuno prima di condividerne una clip.",
        ),
        "fr": (
            "Passer son chemin",
            "Dans l’épisode original, la personne qui l’a créé donne des conseils pour faire face aux personnes qui déforment volontairement sa pensée.",
            "Tu n’as pas à répondre à chaque malentendu.\n"
            "Dis-le une fois, clairement, puis prends du recul.\n"
            "Vérifie ce que quelqu’un a vraiment dit avant de partager un extrait.",
        ),
        "de": (
            "Einfach weggehen",
            "In der Originalfolge gibt die Person dahinter Tipps, wie man damit umgeht, wenn andere absichtlich verdrehen, was man denkt.",
            "Du musst nicht auf jedes Missverständnis antworten.\n"
            "Sag es einmal, klar, und tritt dann einen Schritt zurück.\n"
            "Prüf, was jemand wirklich gesagt hat, bevor du einen Ausschnitt teilst.",
        ),
    },
    {
        "slug": "power-of-words",
        "handle": "@rosie.gif",
        "situation": "microaggressions",
        "colours": ((254, 215, 170), (124, 45, 18)),
        "en": (
            "Power of Words",
            "In the original episode, its creator explores the impact micro-aggressions can have and urges people to think before they post.",
            "Think before you post: how would this land if it were about you?\n"
            "If someone tells you a remark hurt, listen instead of defending it.\n"
            "Even a small kind word makes a difference.",
        ),
        "it": (
            "Il potere delle parole",
            "Nell’episodio originale, chi l’ha creato esplora l’effetto che possono avere le microaggressioni e invita tutti a pensare prima di pubblicare.",
            "Pensa prima di pubblicare: come ti sentiresti se parlasse di te?\n"
            "Se qualcuno ti dice che una frase l’ha ferito, ascolta invece di difenderti.\n"
            "Anche una piccola parola gentile fa la differenza.",
        ),
        "fr": (
            "Le pouvoir des mots",
            "Dans l’épisode original, la personne qui l’a créé explore l’effet que peuvent avoir les micro-agressions et invite chacun à réfléchir avant de publier.",
            "Réfléchis avant de publier\u00a0: et si ça parlait de toi\u00a0?\n"
            "Si quelqu’un te dit qu’une remarque l’a blessé, écoute au lieu de te justifier.\n"
            "Même une petite parole gentille compte.",
        ),
        "de": (
            "Die Macht der Worte",
            "In der Originalfolge zeigt die Person dahinter, was Mikroaggressionen anrichten können, und bittet alle, vor dem Posten nachzudenken.",
            "Denk nach, bevor du postest: Wie käme das an, wenn es um dich ginge?\n"
            "Wenn dir jemand sagt, dass eine Bemerkung wehgetan hat, hör zu, statt dich zu verteidigen.\n"
            "Auch kleine freundliche Worte bewirken etwas.",
        ),
    },
    {
        "slug": "what-we-dont-see",
        "handle": "@king.science",
        "situation": "unseen",
        "colours": ((221, 214, 254), (17, 94, 89)),
        "en": (
            "What We Don't See",
            "In the original episode, its creator encourages people to treat one another with care and compassion.",
            "Assume there is more to someone's story than one post shows.\n"
            "Ask how someone is doing, and really listen.\n"
            "Treat people online the way you'd treat them face to face.",
        ),
        "it": (
            "Quello che non vediamo",
            "Nell’episodio originale, chi l’ha creato invita a trattarsi a vicenda con cura e compassione.",
            "Ricorda che dietro un post c’è molto più di quello che vedi.\n"
            "Chiedi a qualcuno come sta, e ascolta davvero.\n"
            "Tratta le persone online come le tratteresti di persona.",
        ),
        "fr": (
            "Ce qu’on ne voit pas",
            "Dans l’épisode original, la personne qui l’a créé encourage chacun à traiter les autres avec attention et compassion.",
            "Dis-toi qu’il y a plus dans la vie de quelqu’un qu’une seule publication.\n"
            "Demande à quelqu’un comment il va, et écoute vraiment.\n"
            "Traite les gens en ligne comme tu les traiterais en face.",
        ),
        "de": (
            "Was wir nicht sehen",
            "In der Originalfolge ermutigt die Person dahinter dazu, einander mit Achtsamkeit und Mitgefühl zu begegnen.",
            "Denk daran: Hinter einem Post steckt mehr, als du siehst.\n"
            "Frag jemanden, wie es ihm geht, und hör wirklich zu.\n"
            "Behandle Menschen online so, wie du es von Angesicht zu Angesicht tun würdest.",
        ),
    },
]

# The first caption cue, before the title: whose words these are not.
DEMO_CUE = {
    "en": "Demo: a description of this episode, not the creator's words.",
    "it": "Demo: una descrizione di questo episodio, non le parole di chi l’ha creato.",
    "fr": "Démo\u00a0: une description de cet épisode, pas les mots de la personne qui l’a créé.",
    "de": "Demo: eine Beschreibung dieser Folge, nicht die Worte der Person, die sie gemacht hat.",
}

# The last caption cue, over the reveal frame: who made the original, not this clip.
BEHIND = {
    "en": "Original episode by {handle} on @TikTokTips. This clip is a demo placeholder.",
    "it": "Episodio originale di {handle} su @TikTokTips. Questa clip è un segnaposto dimostrativo.",
    "fr": "Épisode original de {handle} sur @TikTokTips. Cette vidéo est un exemple de démonstration.",
    "de": "Originalfolge von {handle} auf @TikTokTips. Dieser Clip ist ein Demo-Platzhalter.",
}
