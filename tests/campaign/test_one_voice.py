"""One voice per language: every page and mail in Italian, French and German reads
as written in that language.

Each page a visitor or a signed-in participant meets, and each mail the site or
allauth sends, is rendered in it, fr and de, and its visible text is checked for:
- English left over: any English msgid of three words or more (ours or allauth's)
  that appears verbatim, unless that language keeps it unchanged on purpose;
- French typography: a non-breaking space (U+00A0 or U+202F) before : ; ! ? and
  inside « »;
- numbers written the English way (1,234 or 1.6 MB);
- the register: participants are addressed informally (tu / tu / du); only the
  guardian's pages and mails use the polite form.
"""

import datetime as dt
import re
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path

import allauth
import polib
import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from campaign.demo import load_campaign
from campaign.models import Helpline
from challenge import emails
from challenge.models import Entry, GuardianConsent, ModerationNotice, RejectReason
from challenge.services.guardian import guardian_token
from challenge.services.moderation import decisions
from core import views as core_views
from stories.demo_text import EPISODES, SERIES
from stories.models import Episode, Series
from tests.challenge.factories import PASSWORD, make_entry, make_participant, make_user

BASE_DIR = Path(__file__).resolve().parents[2]
LANGUAGES = ("it", "fr", "de")
# Names and fixed phrases that stay in English in every language.
ALLOWED = {"#CreateKindness", "Kindness Hub"}
# A French punctuation mark that needs a (narrow) non-breaking space before it.
FRENCH_MARK = re.compile(r"[:;!?»]")
FRENCH_SPACES = "\u00a0\u202f"
ENGLISH_NUMBER = re.compile(
    r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])"  # 1,234
    r"|(?<![\d.])\d+\.\d+\s?(?:bytes|[KMGT]i?B|[kKMG]o|%)"  # 1.6 MB, 2.5 %
)
POLITE = {
    "fr": re.compile(r"\b(?:vous|votre|vos)\b", re.IGNORECASE),
    # "Sie" opening a sentence may mean "they"; anywhere else it is polite.
    "de": re.compile(
        r"(?<![.!?:»“\"\n]\s)(?<![.!?:»“\"\n])\b(?:Sie)\b|\b(?:Ihnen|Ihr|Ihre[mnrs]?)\b"
    ),
    "it": re.compile(r"\b(?:La preghiamo|Lei|Suo|Sua|Suoi|Sue)\b"),
}
# Dates as Django's own Italian formats wrote them: "02 Dicembre 2026".
MONTHS_IT = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
]
_MONTHS = "|".join(MONTHS_IT)
_CAPITALISED = "|".join(m.capitalize() for m in MONTHS_IT)
ITALIAN_DATE_FAULT = re.compile(rf"\b0\d (?:{_MONTHS})|\b\d{{1,2}} (?:{_CAPITALISED})")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|\{\w*\}|<[^>]+>")


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes, alt, title, aria-label,
    placeholder; not scripts, styles or code."""

    SKIPPED = {"script", "style", "code", "pre", "kbd", "samp", "template"}
    READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        for name, value in attrs:
            if name in self.READ_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def _fragments(msgid: str) -> list[str]:
    pieces = PLACEHOLDER.split(msgid.replace("\n", " "))
    return [
        " ".join(piece.split())
        for piece in pieces
        if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 3
    ]


def _catalogues(lang: str) -> list[polib.POFile]:
    allauth_po = Path(allauth.__file__).parent / "locale" / lang / "LC_MESSAGES"
    return [
        polib.pofile(str(BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po")),
        polib.pofile(str(allauth_po / "django.po")),
    ]


_english_cache: dict[str, set[str]] = {}


def english_fragments(lang: str) -> set[str]:
    """English phrases of three words or more that `lang` translates."""
    if lang not in _english_cache:
        kept, found = set(), set()
        for po in _catalogues(lang):
            for entry in po:
                if entry.obsolete:
                    continue
                for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
                    translations = (
                        list(entry.msgstr_plural.values())
                        if entry.msgid_plural
                        else [entry.msgstr]
                    )
                    for piece in _fragments(msgid):
                        if any(piece in text for text in translations if text):
                            kept.add(piece)  # the language keeps it as it is
                        else:
                            found.add(piece)
        _english_cache[lang] = {
            piece
            for piece in found - kept
            if not any(name in piece for name in ALLOWED)
        }
    return _english_cache[lang]


def _is_code_or_address(token: str) -> bool:
    return bool(
        "://" in token
        or token.startswith(("www.", "mailto:", "tel:", "@", "#"))
        or "@" in token
        or re.fullmatch(r"[\W\d]*\d{1,2}:\d{2}[\W\d]*", token)
    )


def french_typography_faults(text: str) -> list[str]:
    faults = []
    for match in FRENCH_MARK.finditer(text):
        start = text.rfind(" ", 0, match.start()) + 1
        end = text.find(" ", match.end())
        line_start = max(text.rfind("\n", 0, match.start()) + 1, 0)
        token_start = max(start, line_start)
        token = text[token_start : end if end != -1 else len(text)].split("\n")[0]
        if _is_code_or_address(token):
            continue
        before = text[match.start() - 1] if match.start() else "\n"
        after = text[match.end() : match.end() + 1]
        if match.group() == ":" and before.isalpha() and after.isalpha():
            continue  # inside a word, as in the Finnish name "MLL:n Lasten…"
        if match.group() == "»":
            if before not in FRENCH_SPACES:
                faults.append(text[max(0, match.start() - 30) : match.end() + 5])
            continue
        if before in FRENCH_SPACES or before in "?!" or before == "\n":
            continue
        faults.append(text[max(0, match.start() - 30) : match.end() + 5])
    for match in re.finditer("«", text):
        after = text[match.end() : match.end() + 1]
        if after not in FRENCH_SPACES:
            faults.append(text[match.start() : match.end() + 30])
    return faults


def problems(lang: str, text: str, *, formal: bool = False) -> list[str]:
    found = [
        f"English: {piece!r}" for piece in english_fragments(lang) if piece in text
    ]
    found += [f"number: {m.group()!r}" for m in ENGLISH_NUMBER.finditer(text)]
    if lang == "fr":
        found += [f"typography: {s!r}" for s in french_typography_faults(text)]
    if lang == "it":
        found += [f"date: {m.group()!r}" for m in ITALIAN_DATE_FAULT.finditer(text)]
    if not formal:
        found += [
            f"polite form: {text[max(0, m.start() - 40) : m.end() + 20]!r}"
            for m in POLITE[lang].finditer(text)
        ]
    return found


# --- The site, as a visitor and a participant meet it ----------------------------------


@pytest.fixture
def site(db, tmp_path, settings):
    settings.SITE_URL = "http://testserver"
    load_campaign()
    Helpline.objects.get_or_create(
        country="FR", name="Non au harcèlement – 3020", number="3020"
    )
    series = Series.objects.create(
        slug="create-kindness",
        published_by="@TikTokTips",
        **{f"title_{code}": SERIES[f"title_{code}"] for code in ("en", *LANGUAGES)},
    )
    first = EPISODES[0]
    episode = Episode.objects.create(
        series=series,
        slug=first["slug"],
        is_demo=True,
        creator_handle=first["handle"],
        creator_name=first["handle"].lstrip("@"),
        situation=first["situation"],
        publish_at=timezone.now() - dt.timedelta(days=2),
        **{
            f"{field}_{code}": first[code][index]
            for code in ("en", *LANGUAGES)
            for index, field in enumerate(("title", "synopsis", "tips"))
        },
    )
    participant = make_participant(handle="kind_voice", country="FR")
    approved = make_entry(
        state=Entry.State.APPROVED,
        participant=participant,
        with_files=True,
        tmp_dir=tmp_path,
        heart_count=1234,
    )
    mine = make_entry(state=Entry.State.PENDING_REVIEW, participant=participant)
    minor = make_participant(age=13, country="IT", handle="kind_minor")
    draft = make_entry(state=Entry.State.DRAFT, participant=minor, is_minor=True)
    consent = GuardianConsent.objects.create(
        entry=draft, guardian_email="parent@example.org"
    )
    return {
        "episode": episode,
        "participant": participant,
        "approved": approved,
        "mine": mine,
        "consent": consent,
    }


def public_paths(site) -> list[str]:
    entry = site["approved"].pk
    return [
        "",
        "stories/",
        f"stories/{site['episode'].slug}/",
        "gallery/",
        f"gallery/{entry}/",
        f"gallery/{entry}/report/",
        "help/",
        "partners/",
        "about/who-runs-this/",
        "challenge/",
        "challenge/rules/",
        "accounts/signup/",
        "accounts/login/",
        "accounts/password/reset/",
        "accounts/password/reset/done/",
        "accounts/password/reset/key/1-bad-key/",
        "accounts/confirm-email/bad-key/",
        "accounts/inactive/",
        "no-such-page/",
    ]


PARTICIPANT_PATHS = [
    "challenge/profile/",
    "challenge/submit/",
    "challenge/my-entries/",
    "challenge/my-data/",
    "challenge/my-data/delete-account/",
    "accounts/email/",
    "accounts/password/change/",
    "accounts/logout/",
]


def _check(lang: str, label: str, html: str, *, formal=False) -> list[str]:
    return [
        f"{label}: {problem}"
        for problem in problems(lang, visible_text(html), formal=formal)
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_speaks_one_voice(lang, site):
    found = []
    visitor = Client()
    for path in public_paths(site):
        response = visitor.get(f"/{lang}/{path}")
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.NOT_FOUND), path
        found += _check(lang, path or "home", response.content.decode())

    # Forms sent back with mistakes: allauth's own error messages.
    for path, data in (
        ("accounts/login/", {"login": "nobody@example.org", "password": "wrong"}),
        (
            "accounts/signup/",
            {"email": "bad", "password1": "short", "password2": "other"},
        ),
        ("accounts/password/reset/", {"email": "not an address"}),
    ):
        response = visitor.post(f"/{lang}/{path}", data)
        found += _check(lang, f"{path} (errors)", response.content.decode())

    # The partner toolkit speaks to schools and organisations: formally.
    response = visitor.get(f"/{lang}/partners/toolkit/")
    found += _check(lang, "partners/toolkit/", response.content.decode(), formal=True)

    participant = Client()
    participant.force_login(site["participant"].user)
    for path in PARTICIPANT_PATHS:
        response = participant.get(f"/{lang}/{path}")
        assert response.status_code == HTTPStatus.OK, path
        found += _check(lang, path, response.content.decode())

    unverified = Client()
    user = make_user(verified=False)
    make_participant(user=user)
    unverified.force_login(user)
    response = unverified.get(f"/{lang}/challenge/submit/")
    found += _check(lang, "verified e-mail required", response.content.decode())

    guardian = Client()
    token = guardian_token(site["consent"])
    response = guardian.get(f"/{lang}/challenge/guardian/{token}/")
    assert response.status_code == HTTPStatus.OK
    found += _check(lang, "guardian", response.content.decode(), formal=True)

    request = RequestFactory().get(f"/{lang}/")
    with translation.override(lang):
        for name, view in (
            ("429", core_views.too_many_requests),
            ("500", core_views.server_error),
        ):
            request.LANGUAGE_CODE = lang
            found += _check(lang, name, view(request).content.decode())
    assert found == [], "\n".join(found)


# --- The mails ------------------------------------------------------------------------


def _mail_text(message) -> str:
    return f"{message.subject}\n{message.body}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_mail_speaks_one_voice(
    lang, site, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_RATE_LIMITS = False
    found = []
    client = Client()
    mail.outbox.clear()
    # allauth: sign-up confirmation, an address already taken, a reset for an
    # unknown address and for a known one, the password changed notice.
    client.post(
        f"/{lang}/accounts/signup/",
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    Client().post(
        f"/{lang}/accounts/signup/",
        {
            "email": site["participant"].user.email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    Client().post(f"/{lang}/accounts/password/reset/", {"email": "nobody@example.org"})
    Client().post(
        f"/{lang}/accounts/password/reset/", {"email": site["participant"].user.email}
    )
    signed_in = Client()
    signed_in.force_login(site["participant"].user)
    signed_in.post(
        f"/{lang}/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a new kind password 42",
            "password2": "a new kind password 42",
        },
    )
    allauth_mails = list(mail.outbox)
    assert len(allauth_mails) >= 5, [m.subject for m in allauth_mails]
    for message in allauth_mails:
        found += _check(lang, f"mail {message.subject!r}", _mail_text(message))

    # The challenge's mails to the participant…
    site["participant"].language = lang
    site["participant"].save()
    mail.outbox.clear()
    moderator = make_user(moderator=True)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_approve(entry_id=site["mine"].pk, actor=moderator)
    rejected = make_entry(participant=site["participant"])
    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_reject(
            entry_id=rejected.pk, actor=moderator, reason=RejectReason.PERSONAL_INFO
        )
    notices = [
        emails.moderation_notice_message(notice=notice)
        for notice in ModerationNotice.objects.filter(
            event__entry__participant=site["participant"]
        )
    ]
    assert len(notices) == 2
    for message in notices:
        found += _check(lang, f"mail {message.subject!r}", _mail_text(message))

    # …and to the guardian, who is addressed politely.
    consent = site["consent"]
    consent.entry.participant.language = lang
    consent.entry.participant.save()
    for builder in (
        emails.guardian_request_message,
        emails.guardian_confirmed_message,
        emails.guardian_published_message,
    ):
        message = builder(consent=consent, link="http://testserver/x/")
        found += _check(
            lang, f"mail {message.subject!r}", _mail_text(message), formal=True
        )
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "lang, title, hearts",
    [
        ("it", "Blocca i bulli", "1.234 cuori"),
        ("fr", "Bloque les harceleurs", "1\u202f234 cœurs"),
        ("de", "Blockier die Mobber", "1.234 Herzen"),
    ],
)
def test_titles_counts_and_dates_in_the_visitors_language(
    lang, title, hearts, site, client
):
    page = client.get(f"/{lang}/stories/{site['episode'].slug}/").content.decode()
    text = visible_text(page)
    assert title in text
    assert "Block the Bullies" in text  # the original title stays visible
    assert '"alternateName": "Block the Bullies"' in page
    gallery = visible_text(client.get(f"/{lang}/gallery/").content.decode())
    assert hearts in gallery.replace("\u00a0", "\u202f")
    with translation.override(lang):
        approved = timezone.localtime(site["approved"].approved_at)
    entry = visible_text(
        client.get(f"/{lang}/gallery/{site['approved'].pk}/").content.decode()
    )
    day = str(approved.day)
    expected = {"it": f"{day} ", "fr": f"{day} ", "de": f"{day}. "}[lang]
    assert expected in entry


# --- The checks themselves ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, faults",
    [
        ("Attention\u00a0: ceci\u202f!", 0),
        ("Attention : ceci !", 2),
        ("Attention: ceci!", 2),
        ("« bonjour »", 2),
        ("«\u00a0bonjour\u00a0»", 0),
        ("https://example.org/a?b=c à 9:00", 0),
        ("MLL:n Lasten ja nuorten puhelin", 0),
    ],
)
def test_french_typography_check(text, faults):
    assert len(french_typography_faults(text)) == faults


@pytest.mark.parametrize(
    "text, english",
    [
        ("1,234 cœurs", True),
        ("1.6 MB", True),
        ("1.234 Herzen", False),
        ("1,6 Mo", False),
    ],
)
def test_english_number_check(text, english):
    assert bool(ENGLISH_NUMBER.search(text)) is english


def test_english_fragments_come_from_the_catalogues():
    fragments = english_fragments("de")
    assert "Forgot your password?" in fragments or any(
        "password" in f for f in fragments
    )
    assert not any("#CreateKindness" in f for f in fragments)


@pytest.mark.parametrize(
    "text, fault",
    [("2 dicembre 2026", False), ("02 dicembre 2026", True), ("2 Dicembre", True)],
)
def test_italian_date_check(text, fault):
    assert bool(ITALIAN_DATE_FAULT.search(text)) is fault


# --- One glossary, native forms (issue 32, section 3; docs/glossary.md) -----------------

# Forms the glossary or the native review excludes, in any msgstr of our catalogue
# and in the texts that live in data (episodes, campaign, programme, partners).
EXCLUDED = {
    "it": {
        r"\bsfida\b": "challenge is “la challenge”",
        r"\b[Ii]l clip\b": "“la clip”",
        r"\bche tuo genitore\b": "“che il tuo genitore”",
        r"(?i)\bprima che pubblichi\b": "“prima che tu pubblichi”",
        r"\bRitirandol[oa]\b": "dangling gerund",
        r"\bSuo figlio o sua figlia\b": "courtesy capitals: “Suo figlio o Sua figlia”",
        r"\bLei stess[oa]/": "no “stesso/a”",
        r"\bil proprio pensiero\b": "“Walk Away”: her thoughts",
        r"\bsi sommano\b": "calque of “add up”",
        r"\bconteggio onesto\b": "calque of “keeps every count honest”",
        r"(?i)\babbiamo indovinato\b": "calque of “we guessed”",
        r"\blinee? di ascolto\b": "one form: “linea d’ascolto”",
        r"\w'\w": "typographic apostrophe ’",
        r"\bNome pubblico\b": "the handle is “nome utente”",
    },
    "fr": {
        r"\w·\w": "no “·e” in text children read",
        r"\bmal traité": "“maltraité”",
        r"\btuteur\b(?! légal)": "“parent ou tuteur légal”",
        r"\btuteurs\b(?! légaux)": "“parents ou tuteurs légaux”",
        r"\binsécurités?\b": "“manque de confiance en soi”",
        r"\bPlus de la galerie\b": "calque of “More from the gallery”",
        r"\bcompteur honnête\b": "calque of “keeps every count honest”",
        r"\bs'additionnent\b|\bs’additionnent\b": "calque of “add up”",
        r"\bpetits? mots?\b": "a note is “un message”",
        r" [:;!?»]|« ": "no-break space (U+00A0) in French typography",
        r"\w'\w": "typographic apostrophe ’",
    },
    "de": {
        r"\*innen|:innen|_innen": "no gender star in text children read",
        r"\bAccounts?\b": "“Konto”",
        r"\bdas Elternteil\b": "“der Elternteil”",
        r"\bNotizen gehen auf\b": "calque of “notes open”",
        r"\bSorgfalt\b": "“care” between people is not “Sorgfalt”",
        r"\bdie eigenen Gedanken\b": "“Walk Away”: her thoughts",
        r"\bjede Zahl ehrlich\b": "calque of “keeps every count honest”",
        r"\bsummieren sich\b": "calque of “add up”",
        r"Elternteils? oder (?:eine[mnrs]? )?Erziehungsberechtigte[nr]?\b(?! Person)": (
            "“Elternteil oder erziehungsberechtigte Person”"
        ),
        r"\b[Öö]ffentliche[rn]? Name\b|\bder Name öffentlich\b|\bdein Name wird gezeigt": (
            "the handle is “Nutzername”"
        ),
    },
}
# Any language: setting names are not for partners, schools or participants.
SETTING_NAME = re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+){2,}\b")


def _msgstrs(lang: str):
    po = polib.pofile(str(BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po"))
    for entry in po:
        if entry.obsolete:
            continue
        texts = (
            list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        )
        for text in texts:
            yield entry, text


def _data_texts(lang: str) -> list[tuple[str, str]]:
    from campaign.demo import CAMPAIGN, PARTNERS, PROGRAMME

    texts = [(f"SERIES {key}", value) for key, value in SERIES.items()]
    texts = [(label, value) for label, value in texts if label.endswith(f"_{lang}")]
    for episode in EPISODES:
        texts += [(f"episode {episode['slug']}", part) for part in episode[lang]]
    for source in (CAMPAIGN, PROGRAMME):
        texts += [(key, value) for key, value in source.items() if key.endswith(lang)]
    index = {"it": 3, "fr": 4, "de": 5}[lang]
    texts += [(f"partner {row[0]}", row[index]) for row in PARTNERS]
    return texts


def excluded_forms(lang: str, text: str) -> list[str]:
    found = [
        f"{why}: {text[max(0, m.start() - 30) : m.end() + 30]!r}"
        for pattern, why in EXCLUDED[lang].items()
        for m in re.finditer(pattern, text)
    ]
    found += [f"setting name {m.group()!r}" for m in SETTING_NAME.finditer(text)]
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_uses_the_glossary_and_native_forms(lang):
    found = [
        f"{entry.msgid[:50]!r}: {fault}"
        for entry, text in _msgstrs(lang)
        for fault in excluded_forms(lang, text)
    ]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_texts_in_data_use_the_glossary_and_native_forms(lang):
    found = [
        f"{label}: {fault}"
        for label, text in _data_texts(lang)
        for fault in excluded_forms(lang, text)
    ]
    assert found == [], "\n".join(found)


NOTE = re.compile(r"\bnotes?\b", re.IGNORECASE)


def test_french_never_says_mot_for_a_note():
    """A note is “un message”; “mot” is only ever a word."""
    found = [
        f"{entry.msgid!r}: {text!r}"
        for entry, text in _msgstrs("fr")
        if NOTE.search(entry.msgid)
        and not re.search(r"\bwords?\b", entry.msgid)
        and re.search(
            r"\b(?:ton|mon|ce|le|un|du|nouveau|tes|mes|ses|tous les) mots?\b", text
        )
    ]
    assert found == [], "\n".join(found)


# The glossary (docs/glossary.md): the fixed term must be the one a catalogue uses
# wherever the English says the word.
GLOSSARY = {
    "handle": {"it": "nom[ei] utente", "fr": "pseudo", "de": "Nutzername"},
    "note": {"it": r"\bnot[ae]\b", "fr": "message", "de": "Notiz"},
    "entry": {"it": "contribut", "fr": "participation", "de": "Beitr"},
    "guardian": {
        "it": "tutor",
        "fr": "tuteurs? l[ée]ga|parenta",
        "de": "erziehungsberechtigte|Eltern",
    },
    "challenge": {"it": "challenge", "fr": "défi", "de": "Challenge"},
    "report": {"it": "segnala", "fr": "signal", "de": "Meldung|melde"},
    "block": {"it": "blocc", "fr": "bloqu|blocage", "de": "blockier|Blockierung"},
}


# The English word in another sense (an entry in a list).
GLOSSARY_OTHER_SENSE = {
    "One entry per rung: name, size, bandwidth, segments.",
    # A moderator's internal note on a decision, not a kind note.
    "Note (internal, kept in the history)",
    "Note (internal)",
    "Each participant is told the reason, in their language. The note stays internal.",
    # "reports" as a verb.
    "TikTok reports that when its app asked people to think about the impact of "
    "their words before posting a potentially hurtful comment, about 4 in 10 of "
    "those who read the prompt withdrew or changed their comment.",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("term", sorted(GLOSSARY))
def test_glossary_term_is_used_where_the_english_says_it(lang, term):
    word = re.compile(rf"\b{term}s?\b", re.IGNORECASE)
    wanted = re.compile(GLOSSARY[term][lang], re.IGNORECASE)
    missing = [
        f"{entry.msgid!r}: {text!r}"
        for entry, text in _msgstrs(lang)
        if word.search(
            PLACEHOLDER.sub("", entry.msgid).replace("guardian's", "guardian")
        )
        and not wanted.search(text)
        and entry.msgid not in GLOSSARY_OTHER_SENSE
    ]
    assert missing == [], "\n".join(missing)


# English: one spelling, "Log in", "email". Strings in files other branches were
# rewriting when this was written are listed until they change (see the report).
ENGLISH_EXCLUDED = re.compile(
    r"\bSign(?:ing)? (?:in|out)\b|\bsign(?:ed)? (?:in|out)\b|\bsign-in\b|\be-mail\b"
    r"|\bE-mail\b|\b(?:this|daily|these) mails?\b|\bMails\b"
)
ENGLISH_LEFT_FOR_THE_LEAD = {
    "challenge/models/notes.py",  # a verbose_name: changing it needs a migration
}


def test_english_says_log_in_and_email():
    found = [
        f"{entry.occurrences[0][0]}: {entry.msgid!r}"
        for entry, _text in _msgstrs("it")
        if ENGLISH_EXCLUDED.search(entry.msgid)
        and not {path for path, _line in entry.occurrences} <= ENGLISH_LEFT_FOR_THE_LEAD
    ]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "lang, formal, informal",
    [
        (
            "it",
            r"\b(?:Suo|Sua|Incolli|Mostri|Lo usi)\b",
            r"\b(?:tuo|tua|Mostra la|Incolla)\b",
        ),
        (
            "fr",
            r"\b(?:votre|vous|Affichez|Collez)\b",
            r"\b(?:ton|ta|tes|Affiche|Colle)\b",
        ),
        ("de", r"\b(?:Sie|Ihre[rn]?)\b", r"\b(?:du|dein|deine[nmr]?|Zeig|Nutze)\b"),
    ],
)
def test_partners_and_schools_are_addressed_formally(lang, formal, informal, site):
    text = visible_text(Client().get(f"/{lang}/partners/toolkit/").content.decode())
    main = text.split("\n")
    toolkit = "\n".join(main)
    assert re.search(formal, toolkit), toolkit
    for line in main:
        if re.search(formal, line) or "Kindness" in line:
            assert not re.search(informal, line), line


@pytest.mark.parametrize(
    "lang, first, seventh",
    [
        ("en", "1 January", "7 December 2026"),
        ("it", "1° gennaio", "7 dicembre 2026"),
        ("fr", "1er janvier", "7 décembre 2026"),
        ("de", "1. Januar", "7. Dezember 2026"),
    ],
)
def test_dates_as_each_language_writes_them(lang, first, seventh, site):
    from core.dates import format_day

    with translation.override(lang):
        assert format_day(dt.date(2026, 1, 1), "MONTH_DAY_FORMAT") == first
        assert format_day(dt.date(2026, 12, 7)) == seventh
        assert format_day(dt.datetime(2026, 12, 7, 9, 5), "DATETIME_FORMAT").startswith(
            seventh
        )
    page = visible_text(Client().get(f"/{lang}/partners/").content.decode())
    assert first in page  # the programme runs from the first of January


@pytest.mark.parametrize(
    "lang, text, fault",
    [
        ("fr", "Ton mot est publié", False),  # caught by the note test, not here
        ("fr", "toi seul·e", True),
        ("fr", "Attention : ceci", True),
        ("it", "la sfida #CreateKindness", True),
        ("it", "Il clip di questa pagina", True),
        ("de", "Creator*innen", True),
        ("de", "eines Elternteils oder Erziehungsberechtigten", True),
        ("de", "eines Elternteils oder einer erziehungsberechtigten Person", False),
        ("de", "(die Einstellung EMBED_FRAME_ANCESTORS)", True),
    ],
)
def test_excluded_forms_check(lang, text, fault):
    assert bool(excluded_forms(lang, text)) is fault
