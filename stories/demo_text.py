"""The demo series: six episodes of #CreateKindness, texts in en/it/fr/de.

Titles and creator handles are the campaign's; synopses, tips and captions are ours
and stay about each episode's theme (nothing about the creators' lives is invented).
"""

SERIES = {
    "slug": "create-kindness",
    "published_by": "@TikTokTips",
    "title_en": "#CreateKindness",
    "title_it": "#CreateKindness",
    "title_fr": "#CreateKindness",
    "title_de": "#CreateKindness",
    "description_en": (
        "Six short animated stories about unkindness online, each told by the "
        "creator who animated it."
    ),
    "description_it": (
        "Sei brevi storie animate sulla cattiveria online, ognuna raccontata da chi "
        "l'ha animata."
    ),
    "description_fr": (
        "Six courtes histoires animées sur la méchanceté en ligne, chacune racontée "
        "par la personne qui l'a animée."
    ),
    "description_de": (
        "Sechs kurze Animationsgeschichten über Gemeinheiten im Netz, erzählt von "
        "den Creator*innen, die sie animiert haben."
    ),
}

# Each episode: slug, handle, situation, colours, texts per language:
# (title, synopsis, tips (one per line), caption line in the middle of the video).
EPISODES = [
    {
        "slug": "block-the-bullies",
        "handle": "@milkymichii",
        "situation": "unkind_duets",
        "colours": ((255, 183, 197), (124, 58, 237)),
        "en": (
            "Block the Bullies",
            "A Duet can be a chance to create together, or a way to make fun of "
            "someone in front of a whole audience. This episode is about what it "
            "feels like to find your video stitched into someone else's joke.",
            "You can block accounts and limit who may Duet your videos.\n"
            "Don't reply to a mocking Duet; report it instead.\n"
            "If a friend is targeted, tell them you've got their back.",
            "Someone used my video to make fun of me.",
        ),
        "it": (
            "Block the Bullies",
            "Un Duetto può essere un modo per creare insieme, oppure per prendere in "
            "giro qualcuno davanti a tutti. Questo episodio racconta cosa si prova "
            "quando il proprio video diventa parte della battuta di qualcun altro.",
            "Puoi bloccare gli account e scegliere chi può fare Duetti con i tuoi video.\n"
            "Non rispondere a un Duetto che ti deride: segnalalo.\n"
            "Se prendono di mira un'amica o un amico, fagli sapere che sei dalla sua parte.",
            "Qualcuno ha usato il mio video per prendermi in giro.",
        ),
        "fr": (
            "Block the Bullies",
            "Un Duo peut servir à créer ensemble, ou à se moquer de quelqu'un devant "
            "tout le monde. Cet épisode raconte ce que l'on ressent quand sa vidéo "
            "devient la blague de quelqu'un d'autre.",
            "Tu peux bloquer des comptes et choisir qui peut faire un Duo avec tes vidéos.\n"
            "Ne réponds pas à un Duo moqueur : signale-le.\n"
            "Si un ami est visé, dis-lui que tu es là pour lui.",
            "Quelqu'un a utilisé ma vidéo pour se moquer de moi.",
        ),
        "de": (
            "Block the Bullies",
            "Ein Duett kann eine Einladung zum gemeinsamen Kreativsein sein, oder ein "
            "Weg, jemanden vor allen lächerlich zu machen. Diese Folge erzählt, wie es "
            "sich anfühlt, wenn das eigene Video zum Witz eines anderen wird.",
            "Du kannst Accounts blockieren und festlegen, wer Duette mit dir machen darf.\n"
            "Antworte nicht auf ein spöttisches Duett, sondern melde es.\n"
            "Wird jemand aus deinem Freundeskreis angegriffen, zeig, dass du zu ihm hältst.",
            "Jemand hat mein Video benutzt, um sich über mich lustig zu machen.",
        ),
    },
    {
        "slug": "why-would-you",
        "handle": "@recokh",
        "situation": "insecurity",
        "colours": ((253, 230, 138), (30, 64, 175)),
        "en": (
            "Why Would You…",
            "Why do people write mean things? This episode looks honestly at the "
            "other side: how our own insecurities can turn into the wish to put "
            "someone else down, and what changes when we notice it.",
            "Before posting a comment, ask yourself why you want to write it.\n"
            "Feeling bad about yourself is not a reason to make others feel bad.\n"
            "Talk to someone you trust when you feel low.",
            "Sometimes being unkind hides how insecure we feel.",
        ),
        "it": (
            "Why Would You…",
            "Perché si scrivono cose cattive? Questo episodio guarda con onestà "
            "l'altro lato: come le nostre insicurezze possono diventare la voglia di "
            "sminuire qualcuno, e cosa cambia quando ce ne accorgiamo.",
            "Prima di commentare, chiediti perché vuoi scriverlo.\n"
            "Sentirsi male con se stessi non è un motivo per far stare male gli altri.\n"
            "Quando sei giù, parlane con qualcuno di cui ti fidi.",
            "A volte la cattiveria nasconde quanto ci sentiamo insicuri.",
        ),
        "fr": (
            "Why Would You…",
            "Pourquoi écrit-on des choses méchantes ? Cet épisode regarde l'autre côté "
            "en face : comment nos propres insécurités peuvent devenir l'envie de "
            "rabaisser quelqu'un, et ce qui change quand on s'en rend compte.",
            "Avant de commenter, demande-toi pourquoi tu veux l'écrire.\n"
            "Se sentir mal n'est pas une raison pour faire du mal aux autres.\n"
            "Parle à quelqu'un de confiance quand ça ne va pas.",
            "Parfois, la méchanceté cache nos propres insécurités.",
        ),
        "de": (
            "Why Would You…",
            "Warum schreiben Menschen gemeine Dinge? Diese Folge schaut ehrlich auf die "
            "andere Seite: wie eigene Unsicherheiten zum Wunsch werden können, andere "
            "kleinzumachen, und was sich ändert, wenn wir das bemerken.",
            "Frag dich vor einem Kommentar, warum du ihn schreiben willst.\n"
            "Sich schlecht zu fühlen ist kein Grund, andere schlecht zu behandeln.\n"
            "Sprich mit jemandem, dem du vertraust, wenn es dir nicht gut geht.",
            "Manchmal versteckt sich hinter Gemeinheit Unsicherheit.",
        ),
    },
    {
        "slug": "i-want-to-hold-on-to",
        "handle": "@kellyemmrich",
        "situation": "negative_comments",
        "colours": ((167, 243, 208), (190, 24, 93)),
        "en": (
            "I Want to Hold On To",
            "Negative comments can drown out everything else. This episode is about "
            "turning your attention to the communities that celebrate you, and "
            "holding on to what you love doing.",
            "You can filter comments with keywords and delete hurtful ones.\n"
            "Spend your time in communities that lift you up.\n"
            "Leave a kind comment for a creator you like: it matters.",
            "I choose to focus on the people who celebrate me.",
        ),
        "it": (
            "I Want to Hold On To",
            "I commenti negativi possono coprire tutto il resto. Questo episodio parla "
            "di spostare l'attenzione sulle community che ti sostengono, e di tenersi "
            "stretto ciò che ami fare.",
            "Puoi filtrare i commenti per parole chiave ed eliminare quelli offensivi.\n"
            "Passa il tuo tempo nelle community che ti fanno stare bene.\n"
            "Lascia un commento gentile a una creator che ti piace: conta.",
            "Scelgo di concentrarmi su chi mi sostiene.",
        ),
        "fr": (
            "I Want to Hold On To",
            "Les commentaires négatifs peuvent couvrir tout le reste. Cet épisode parle "
            "de se tourner vers les communautés qui nous soutiennent, et de garder ce "
            "qu'on aime faire.",
            "Tu peux filtrer les commentaires par mots-clés et supprimer les plus blessants.\n"
            "Passe ton temps dans des communautés qui te font du bien.\n"
            "Laisse un commentaire gentil à une créatrice que tu aimes : ça compte.",
            "Je choisis de me concentrer sur ceux qui me soutiennent.",
        ),
        "de": (
            "I Want to Hold On To",
            "Negative Kommentare können alles andere übertönen. In dieser Folge geht es "
            "darum, den Blick auf die Communitys zu richten, die einen feiern, und an "
            "dem festzuhalten, was man liebt.",
            "Du kannst Kommentare mit Stichwörtern filtern und verletzende löschen.\n"
            "Verbring deine Zeit in Communitys, die dich stärken.\n"
            "Hinterlass einer Creatorin, die du magst, einen netten Kommentar: Das zählt.",
            "Ich konzentriere mich auf die Menschen, die mich feiern.",
        ),
    },
    {
        "slug": "walk-away",
        "handle": "@amyrightmeow",
        "situation": "misrepresented",
        "colours": ((191, 219, 254), (15, 118, 110)),
        "en": (
            "Walk Away",
            "What if people twist what you said on purpose? This episode is about "
            "being misrepresented online, and about the strength it takes to walk "
            "away from an argument you cannot win.",
            "You don't have to answer every misunderstanding.\n"
            "Say it once, clearly, then step back.\n"
            "Check what someone really said before you share a clip of them.",
            "They twisted my words. I chose to walk away.",
        ),
        "it": (
            "Walk Away",
            "E se qualcuno distorce di proposito quello che hai detto? Questo episodio "
            "parla di essere fraintesi online, e della forza che serve per andarsene "
            "da una discussione che non si può vincere.",
            "Non devi rispondere a ogni malinteso.\n"
            "Dillo una volta, con chiarezza, poi fai un passo indietro.\n"
            "Controlla cosa ha detto davvero qualcuno prima di condividerne una clip.",
            "Hanno distorto le mie parole. Ho scelto di andarmene.",
        ),
        "fr": (
            "Walk Away",
            "Et si on déformait exprès tes propos ? Cet épisode parle d'être mal "
            "représenté en ligne, et de la force qu'il faut pour quitter une dispute "
            "qu'on ne peut pas gagner.",
            "Tu n'as pas à répondre à chaque malentendu.\n"
            "Dis-le une fois, clairement, puis prends du recul.\n"
            "Vérifie ce que quelqu'un a vraiment dit avant de partager un extrait.",
            "On a déformé mes mots. J'ai choisi de partir.",
        ),
        "de": (
            "Walk Away",
            "Was, wenn jemand deine Worte absichtlich verdreht? In dieser Folge geht es "
            "darum, online falsch dargestellt zu werden, und um die Stärke, einen "
            "Streit zu verlassen, den man nicht gewinnen kann.",
            "Du musst nicht auf jedes Missverständnis antworten.\n"
            "Sag es einmal, klar, und tritt dann einen Schritt zurück.\n"
            "Prüf, was jemand wirklich gesagt hat, bevor du einen Ausschnitt teilst.",
            "Sie haben meine Worte verdreht. Ich bin gegangen.",
        ),
    },
    {
        "slug": "power-of-words",
        "handle": "@rosie.gif",
        "situation": "microaggressions",
        "colours": ((254, 215, 170), (124, 45, 18)),
        "en": (
            "Power of Words",
            "Some remarks sound small to the person who makes them and hurt the "
            "person who hears them again and again. This episode is about "
            "micro-aggressions, and about thinking before you post.",
            "Think before you post: how would this land if it were about you?\n"
            "If someone tells you a remark hurt, listen instead of defending it.\n"
            "Small kind words add up too.",
            "Words that seem small can hurt. Think before you post.",
        ),
        "it": (
            "Power of Words",
            "Certe frasi sembrano piccole a chi le dice e fanno male a chi le sente "
            "ripetere ancora e ancora. Questo episodio parla di microaggressioni, e di "
            "pensare prima di pubblicare.",
            "Pensa prima di pubblicare: come ti sentiresti se parlasse di te?\n"
            "Se qualcuno ti dice che una frase l'ha ferito, ascolta invece di difenderti.\n"
            "Anche le piccole parole gentili si sommano.",
            "Parole che sembrano piccole possono ferire. Pensa prima di pubblicare.",
        ),
        "fr": (
            "Power of Words",
            "Certaines remarques semblent anodines à qui les fait et blessent qui les "
            "entend encore et encore. Cet épisode parle de micro-agressions, et de "
            "réfléchir avant de publier.",
            "Réfléchis avant de publier : et si ça parlait de toi ?\n"
            "Si quelqu'un te dit qu'une remarque l'a blessé, écoute au lieu de te justifier.\n"
            "Les petits mots gentils s'additionnent aussi.",
            "Des mots qui semblent petits peuvent blesser. Réfléchis avant de publier.",
        ),
        "de": (
            "Power of Words",
            "Manche Bemerkungen wirken für die, die sie machen, klein, und verletzen "
            "die, die sie immer wieder hören. In dieser Folge geht es um "
            "Mikroaggressionen und darum, vor dem Posten nachzudenken.",
            "Denk nach, bevor du postest: Wie käme das an, wenn es um dich ginge?\n"
            "Wenn dir jemand sagt, dass eine Bemerkung wehgetan hat, hör zu, statt dich zu verteidigen.\n"
            "Auch kleine freundliche Worte summieren sich.",
            "Kleine Worte können verletzen. Denk nach, bevor du postest.",
        ),
    },
    {
        "slug": "what-we-dont-see",
        "handle": "@king.science",
        "situation": "unseen",
        "colours": ((221, 214, 254), (17, 94, 89)),
        "en": (
            "What We Don't See",
            "Behind every screen is a whole life we don't see. This episode is a "
            "reminder to treat one another with care and compassion, online and off.",
            "Assume there is more to someone's story than one post shows.\n"
            "Ask how someone is doing, and really listen.\n"
            "Treat people online the way you'd treat them face to face.",
            "We never see the whole story. Be gentle with each other.",
        ),
        "it": (
            "What We Don't See",
            "Dietro ogni schermo c'è una vita intera che non vediamo. Questo episodio "
            "ci ricorda di trattarci con cura e compassione, online e offline.",
            "Ricorda che dietro un post c'è molto più di quello che vedi.\n"
            "Chiedi a qualcuno come sta, e ascolta davvero.\n"
            "Tratta le persone online come le tratteresti di persona.",
            "Non vediamo mai tutta la storia. Siamo gentili gli uni con gli altri.",
        ),
        "fr": (
            "What We Don't See",
            "Derrière chaque écran, il y a toute une vie que l'on ne voit pas. Cet "
            "épisode rappelle de se traiter avec attention et compassion, en ligne "
            "comme ailleurs.",
            "Dis-toi qu'il y a plus dans la vie de quelqu'un qu'une seule publication.\n"
            "Demande à quelqu'un comment il va, et écoute vraiment.\n"
            "Traite les gens en ligne comme tu les traiterais en face.",
            "On ne voit jamais toute l'histoire. Soyons doux les uns avec les autres.",
        ),
        "de": (
            "What We Don't See",
            "Hinter jedem Bildschirm steckt ein ganzes Leben, das wir nicht sehen. "
            "Diese Folge erinnert daran, einander mit Sorgfalt und Mitgefühl zu "
            "begegnen, online wie offline.",
            "Denk daran: Hinter einem Post steckt mehr, als du siehst.\n"
            "Frag jemanden, wie es ihm geht, und hör wirklich zu.\n"
            "Behandle Menschen online so, wie du es von Angesicht zu Angesicht tun würdest.",
            "Wir sehen nie die ganze Geschichte. Geht behutsam miteinander um.",
        ),
    },
]

# The last caption cue, over the reveal frame.
BEHIND = {
    "en": "Behind this story: {handle}",
    "it": "Dietro questa storia: {handle}",
    "fr": "Derrière cette histoire : {handle}",
    "de": "Hinter dieser Geschichte: {handle}",
}
