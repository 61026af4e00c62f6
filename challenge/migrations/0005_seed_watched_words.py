"""A starter list of hurtful words and phrases for the kindness nudge.

Staff edit the list in the admin (Challenge › Watched words). "hold" marks phrases
that also flag the entry for careful review: incitement to self-harm, slurs.
"""

from django.db import migrations

NUDGE, HOLD = "nudge", "hold"

STARTER = {
    "en": {
        NUDGE: [
            "idiot",
            "stupid",
            "dumb",
            "moron",
            "loser",
            "ugly",
            "fatty",
            "fatso",
            "freak",
            "weirdo",
            "pathetic",
            "worthless",
            "disgusting",
            "nobody likes you",
            "no one likes you",
            "nobody cares",
            "shut up",
            "you're ugly",
            "you are ugly",
            "you're fat",
            "you are fat",
            "waste of space",
            "crybaby",
            "hate you",
            "jerk",
            "dumbass",
            "asshole",
            "bitch",
            "bastard",
        ],
        HOLD: [
            "kill yourself",
            "kys",
            "go die",
            "hope you die",
            "i hope you die",
            "end yourself",
            "nobody would miss you",
            "retard",
            "slut",
            "whore",
            "faggot",
        ],
    },
    "it": {
        NUDGE: [
            "idiota",
            "stupido",
            "scemo",
            "cretino",
            "deficiente",
            "imbecille",
            "sfigato",
            "perdente",
            "sei brutto",
            "ciccione",
            "cicciona",
            "fai schifo",
            "fai pena",
            "nessuno ti vuole",
            "stai zitto",
            "vattene",
            "sei inutile",
            "coglione",
            "stronzo",
            "schifoso",
        ],
        HOLD: [
            "ammazzati",
            "ucciditi",
            "vai a morire",
            "spero che muori",
            "buttati sotto un treno",
            "troia",
            "puttana",
            "frocio",
            "handicappato",
            "mongoloide",
        ],
    },
    "fr": {
        NUDGE: [
            "idiot",
            "débile",
            "abruti",
            "crétin",
            "imbécile",
            "connard",
            "conne",
            "moche",
            "gros lard",
            "grosse vache",
            "boloss",
            "bouffon",
            "personne ne t'aime",
            "personne t'aime",
            "ta gueule",
            "dégage",
            "tu sers à rien",
            "tu es nul",
            "t'es nul",
        ],
        HOLD: [
            "suicide-toi",
            "va mourir",
            "va crever",
            "j'espère que tu meurs",
            "salope",
            "pute",
            "pétasse",
            "pédé",
        ],
    },
    "de": {
        NUDGE: [
            "idiot",
            "vollidiot",
            "dummkopf",
            "trottel",
            "versager",
            "loser",
            "hässlich",
            "du bist hässlich",
            "fettsack",
            "du bist fett",
            "du opfer",
            "niemand mag dich",
            "halt die klappe",
            "verpiss dich",
            "nutzlos",
            "arschloch",
            "wichser",
        ],
        HOLD: [
            "bring dich um",
            "geh sterben",
            "töte dich",
            "häng dich auf",
            "du bist behindert",
            "missgeburt",
            "spast",
            "schlampe",
            "hure",
            "schwuchtel",
        ],
    },
}


def seed(apps, schema_editor):
    WatchedWord = apps.get_model("challenge", "WatchedWord")
    for language, by_action in STARTER.items():
        for action, phrases in by_action.items():
            for phrase in phrases:
                WatchedWord.objects.get_or_create(
                    phrase=phrase, language=language, defaults={"action": action}
                )


def unseed(apps, schema_editor):
    WatchedWord = apps.get_model("challenge", "WatchedWord")
    for language, by_action in STARTER.items():
        for phrases in by_action.values():
            WatchedWord.objects.filter(language=language, phrase__in=phrases).delete()


class Migration(migrations.Migration):
    dependencies = [("challenge", "0004_moderators_group")]

    operations = [migrations.RunPython(seed, unseed)]
