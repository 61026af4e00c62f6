"""Demo content for the campaign: the campaign and the NGO programme.

Loaded by `manage.py demo_content` (and so by `make run`); running it again updates
the same rows instead of adding new ones.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.keys import admin_password

from .models import Campaign, Partner, PartnerProgramme
from .services import helplines_load

ADMIN_USERNAME = "admin"


def ensure_admin() -> None:
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=ADMIN_USERNAME,
        defaults={"email": "admin@kindnesshub.example"},
    )
    user.is_staff = user.is_superuser = True
    user.set_password(admin_password())
    user.save()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user,
        email=user.email,
        defaults={"verified": True, "primary": True},
    )


CAMPAIGN = {
    "name_en": "#CreateKindness",
    "name_it": "#CreateKindness",
    "name_fr": "#CreateKindness",
    "name_de": "#CreateKindness",
    "tagline_en": "Behind every account is a real person",
    "tagline_it": "Dietro ogni account c’è una persona vera",
    "tagline_fr": "Derrière chaque compte, il y a une vraie personne",
    "tagline_de": "Hinter jedem Konto steckt ein echter Mensch",
    "intro_en": (
        "In TikTok's animated series, six creator-animators tell real and personal "
        "stories about online bullying and reveal themselves at the end of their "
        "videos. Watch, reflect, and share a moment of kindness in the challenge."
    ),
    "intro_it": (
        "Nella serie animata di TikTok, sei creator e animatori raccontano storie vere "
        "e personali sul bullismo online e alla fine dei video si rivelano. Guarda, "
        "rifletti e condividi un momento di gentilezza nella challenge."
    ),
    "intro_fr": (
        "Dans la série animée de TikTok, six créateurs-animateurs racontent des "
        "histoires vraies et personnelles sur le harcèlement en ligne et se dévoilent "
        "à la fin de leurs vidéos. Regarde, réfléchis et partage un moment de "
        "gentillesse dans le défi."
    ),
    "intro_de": (
        "In TikToks Animationsreihe erzählen sechs Creators, die selbst animieren, echte, "
        "persönliche Geschichten über Mobbing im Netz und zeigen sich am Ende ihrer "
        "Videos selbst. Schau zu, denk nach und teile in der Challenge einen Moment "
        "der Freundlichkeit."
    ),
}

# As TikTok's press release for Germany, Austria and Switzerland describes it: its
# programme, not ours; no year (the release gives none) and no "per organisation"
# (it says the €16,000 helps the NGOs fund their content production).
PROGRAMME = {
    "title_en": "TikTok's counter-speech partner programme",
    "title_it": "Il programma di partner di TikTok per la contro-narrazione",
    "title_fr": "Le programme de partenaires de TikTok pour le contre-discours",
    "title_de": "TikToks Partnerprogramm für Gegenrede",
    "summary_en": (
        "A TikTok programme: six non-profit organisations from Germany and "
        "Switzerland take part, working with TikTok as partners against hate speech "
        "online and offline, from 1 January to 30 April. A study by ETH Zurich shows "
        "that hate speech is best countered with empathy for the people it targets."
    ),
    "summary_it": (
        "Un programma di TikTok: vi partecipano sei organizzazioni non profit di "
        "Germania e Svizzera, che si impegnano come partner di TikTok contro l’odio "
        "online e offline, dal 1° gennaio al 30 aprile. Uno studio del Politecnico di "
        "Zurigo (ETH) mostra che all’odio si risponde meglio con l’empatia verso chi "
        "ne è colpito."
    ),
    "summary_fr": (
        "Un programme de TikTok\u00a0: six associations d’Allemagne et de Suisse y "
        "participent et s’engagent avec TikTok comme partenaires contre la haine en "
        "ligne et hors ligne, du 1er janvier au 30 avril. Une étude de l’ETH Zurich "
        "montre que l’empathie envers les personnes visées est la meilleure réponse "
        "aux discours de haine."
    ),
    "summary_de": (
        "Ein Programm von TikTok: Sechs gemeinnützige Organisationen aus Deutschland "
        "und der Schweiz nehmen vom 1. Januar bis zum 30. April teil und setzen sich "
        "als Partner mit TikTok gegen Hassrede on- und offline ein. Eine Studie der "
        "ETH Zürich zeigt: Hassrede begegnet man am besten mit Empathie für die "
        "Betroffenen."
    ),
    "support_en": (
        "From TikTok: weekly coaching with the creative agency Drive BETA, monthly "
        "masterclasses with TikTok, and €16,000 of financial support that helps the "
        "NGOs fund their content production."
    ),
    "support_it": (
        "Da TikTok: coaching settimanale con l’agenzia creativa Drive BETA, "
        "masterclass mensili con TikTok e un sostegno economico di 16.000 € che aiuta "
        "le ONG a finanziare la produzione dei loro contenuti."
    ),
    "support_fr": (
        "De la part de TikTok\u00a0: un coaching hebdomadaire avec l’agence créative Drive "
        "BETA, des masterclasses mensuelles avec TikTok et un soutien financier de "
        "16\u202f000\u00a0€ qui aide les ONG à financer leurs productions de contenu."
    ),
    "support_de": (
        "Von TikTok: wöchentliche Coachings mit der Kreativagentur Drive BETA, "
        "monatliche Masterclasses mit TikTok und eine finanzielle Unterstützung von "
        "16.000 Euro, die den NGOs hilft, ihre Content-Produktionen zu finanzieren."
    ),
}
# Earlier names of the same row, so a re-run updates it instead of adding another.
PROGRAMME_OLD_TITLES = ("Counter-speech partner programme",)

PARTNERS = [
    (
        "alliance F",
        "CH",
        "The voice of women in Swiss politics, working for equality in society, the economy and politics.",
        "La voce delle donne nella politica svizzera, per la parità nella società, nell’economia e nella politica.",
        "La voix des femmes dans la politique suisse, pour l’égalité dans la société, l’économie et la politique.",
        "Die Stimme der Frauen in der Schweizer Politik, für Gleichstellung in Gesellschaft, Wirtschaft und Politik.",
    ),
    (
        "Charta der Vielfalt",
        "DE",
        "An employers' initiative that promotes diversity in companies and institutions in Germany.",
        "Un’iniziativa dei datori di lavoro che promuove la diversità in aziende e istituzioni in Germania.",
        "Une initiative d’employeurs qui promeut la diversité dans les entreprises et institutions en Allemagne.",
        "Eine Arbeitgebendeninitiative zur Förderung von Vielfalt in Unternehmen und Institutionen in Deutschland.",
    ),
    (
        "Keshet Deutschland",
        "DE",
        "Works for the rights and visibility of Jewish LGBTIQ+ people in Germany.",
        "Lavora per i diritti e la visibilità delle persone LGBTIQ+ ebree in Germania.",
        "Agit pour les droits et la visibilité des personnes LGBTIQ+ juives en Allemagne.",
        "Setzt sich für die Rechte und Sichtbarkeit jüdischer LGBTIQ+ in Deutschland ein.",
    ),
    (
        "korientation",
        "DE",
        "A network for Asian-German perspectives on culture, media and politics.",
        "Una rete per le prospettive asiatico-tedesche su cultura, media e politica.",
        "Un réseau pour les perspectives germano-asiatiques sur la culture, les médias et la politique.",
        "Ein Netzwerk für Asiatisch-Deutsche Perspektiven auf Kultur, Medien und Politik.",
    ),
    (
        "Initiative Offene Gesellschaft",
        "DE",
        "Creates spaces for ideas and brings together people who stand for an open society.",
        "Crea spazi per le idee e riunisce le persone che sostengono una società aperta.",
        "Crée des espaces pour les idées et rassemble celles et ceux qui défendent une société ouverte.",
        "Schafft Räume für Ideen und bringt Menschen für eine offene Gesellschaft zusammen.",
    ),
    (
        "ReDI School of Digital Integration",
        "DE",
        "A non-profit tech school for people with a refugee or migration background.",
        "Una scuola tech non profit per persone con esperienza di fuga o migrazione.",
        "Une école du numérique à but non lucratif pour les personnes réfugiées ou migrantes.",
        "Eine gemeinnützige Tech-Schule für Menschen mit Flucht- und Migrationserfahrung.",
    ),
]


def load_campaign(stdout=None) -> None:
    now = timezone.now()
    campaign = Campaign.objects.order_by("pk").first()
    if campaign is None:
        # Made-up dates that keep the challenge open: marked as demo until staff
        # set the real ones (a campaign already in place keeps its dates and mark).
        campaign = Campaign(
            starts_at=now - dt.timedelta(days=7),
            ends_at=now + dt.timedelta(days=60),
            dates_are_demo=True,
        )
    for field, value in CAMPAIGN.items():
        setattr(campaign, field, value)
    campaign.name = CAMPAIGN["name_en"]
    campaign.save()

    # Real helplines are not demo content (campaign/services.py loads them after
    # every migrate); loading them here too keeps a flushed database complete.
    helplines_report = helplines_load()

    programme = (
        PartnerProgramme.objects.filter(
            title_en__in=(PROGRAMME["title_en"], *PROGRAMME_OLD_TITLES)
        ).first()
        or PartnerProgramme()
    )
    for field, value in PROGRAMME.items():
        setattr(programme, field, value)
    programme.title = PROGRAMME["title_en"]
    # The release gives no year; the page shows day and month only.
    programme.starts_on = dt.date(now.year, 1, 1)
    programme.ends_on = dt.date(now.year, 4, 30)
    programme.save()
    for order, (name, country, en, it, fr, de) in enumerate(PARTNERS):
        Partner.objects.update_or_create(
            programme=programme,
            name=name,
            defaults={
                "country": country,
                "order": order,
                "description_en": en,
                "description_it": it,
                "description_fr": fr,
                "description_de": de,
            },
        )
    ensure_admin()
    if stdout:
        stdout.write(str(helplines_report))
        stdout.write("campaign, partners and the admin user are in place")
