"""Helplines for every country the site accepts: the data file, its sources, the
loader, and what a visitor from each country sees."""

import hashlib
import json
import re
import string
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from campaign.context_processors import site
from campaign.models import Helpline
from campaign.selectors import (
    COUNTRY_COOKIE,
    HELPLINE_DIRECTORY_URL,
    helplines_for,
    helplines_in_full,
    site_snapshot,
)
from campaign.services import (
    HELPLINES_FILE,
    HelplineDataError,
    helplines_data,
    helplines_load,
)
from core.countries import COUNTRY_CODES, OTHER_COUNTRY, country_name

BASE_DIR = Path(__file__).resolve().parents[2]
COUNTRIES = sorted(COUNTRY_CODES)


def own_section(page: str) -> str:
    return page.split('aria-labelledby="your-helplines"')[1].split("</section>")[0]


def banner(page: str) -> str:
    return page.split('id="awareness-banner"')[1].split("</aside>")[0]


def tel_links(html: str) -> set[str]:
    return set(re.findall(r'href="tel:([^"]*)"', html))


def test_every_country_the_site_accepts_has_its_own_helpline_in_the_data():
    countries = {row["country"] for row in helplines_data()}
    assert countries == COUNTRY_CODES - {OTHER_COUNTRY}


def test_a_fresh_database_has_the_helplines_without_the_demo(db):
    """post_migrate loaded them when the test database was migrated."""
    keys = set(Helpline.objects.values_list("key", flat=True))
    assert keys == {row["key"] for row in helplines_data()}


@pytest.mark.parametrize("country", COUNTRIES)
def test_each_country_shows_its_own_lines_or_the_directory(client, db, country):
    client.cookies[COUNTRY_COOKIE] = country
    page = client.get("/en/help/").content.decode()
    own, top = own_section(page), banner(page)
    mine = {line.tel for line in Helpline.objects.filter(country=country) if line.tel}
    if mine:
        assert tel_links(own) == {line.tel for line in helplines_in_full(country)} - {
            ""
        }
        assert tel_links(top) <= {line.tel for line in helplines_for(country)}
        assert 'class="badge"' in own  # "your country": the visitor chose it
    else:
        assert country == OTHER_COUNTRY
        assert tel_links(own) == set() and tel_links(top) == set()
        assert HELPLINE_DIRECTORY_URL in own and HELPLINE_DIRECTORY_URL in top


@pytest.mark.parametrize(
    ("country", "lang", "own", "not_own"),
    [
        ("CH", "de", "Pro Juventute", "Nummer gegen Kummer"),
        ("AT", "de", "Rat auf Draht", "Nummer gegen Kummer"),
        ("CH", "fr", "Pro Juventute", "3018"),
        ("CH", "it", "Pro Juventute", "Telefono Azzurro"),
        ("BE", "fr", "Écoute-Enfants", "3018"),
    ],
)
def test_swiss_austrian_and_belgian_visitors_see_their_own_lines(
    client, db, country, lang, own, not_own
):
    client.cookies[COUNTRY_COOKIE] = country
    page = client.get(f"/{lang}/help/").content.decode()
    assert own in own_section(page) and not_own not in own_section(page)
    assert 'class="badge"' in own_section(page)
    assert "116 111" not in banner(page) or country not in ("CH", "AT")


@pytest.mark.parametrize(
    ("header", "lang", "expected"),
    [
        ("de-CH,de;q=0.9", "de", "Pro Juventute"),
        ("de-AT,de;q=0.8,en;q=0.5", "de", "Rat auf Draht"),
        ("fr-BE,fr;q=0.9", "fr", "Awel"),
        ("en-IE", "en", "Childline (ISPCC)"),
        ("en-GB,en;q=0.9", "en", "Childline"),
        ("en-US", "en", "Boys Town"),
        # The region, not the page's language: an American reading the German page
        ("en-US,en;q=0.9", "de", "Boys Town"),
        ("en-US,de-CH;q=0.5", "de", "Boys Town"),
        # Spanish first, English second: Spain's line, never the UK's
        ("es-ES,es;q=0.9,en;q=0.8", "en", "Teléfono ANAR"),
        # Chrome adds en-US after the visitor's own language: Italy, not the US
        ("it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7", "en", "Telefono Azzurro"),
        ("de-de-u-co-phonebk", "de", "Nummer gegen Kummer"),
        ("sr-Latn-AT", "de", "Rat auf Draht"),
    ],
)
def test_without_a_choice_the_browsers_region_picks_the_country(
    client, db, header, lang, expected
):
    page = client.get(f"/{lang}/help/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert expected in own_section(page)
    assert 'class="badge"' not in own_section(page)  # a guess, not "your country"


# Each of these browsers names no country the site lists (or none at all): until
# the visitor chooses, no number at all, Child Helpline International's directory
# and "choose your country". Before, each got its language's "usual" country.
NO_LISTED_REGION = [
    ("en-AU,en;q=0.9", "en"),
    ("en-CA", "en"),
    ("en-IN,en;q=0.9,hi;q=0.8", "en"),
    ("en-ZA", "en"),
    ("en", "en"),
    ("es-MX,es;q=0.9,en;q=0.8", "en"),
    ("es,en;q=0.8", "en"),
    ("pt-BR,en;q=0.5", "en"),
    ("pt-BR,pt;q=0.9,en-GB;q=0.5", "en"),
    ("ar-EG,en;q=0.7", "en"),
    ("ar,en;q=0.7", "en"),
    ("fr-CA,fr;q=0.9", "fr"),
    ("fr-MA,fr;q=0.9,ar;q=0.8", "fr"),
    ("fr-SN", "fr"),
    ("fr", "fr"),
    ("de-LI,de;q=0.9", "de"),
    ("de", "de"),
    ("it-SM,it;q=0.9", "it"),
    ("it", "it"),
    ("es-419,es;q=0.9,en-US;q=0.5", "en"),
    ("xx-ZZ,en-XX;q=0.5", "en"),
    ("de-CH;q=0,en", "en"),
    ("*", "en"),
    ("", "it"),
]


@pytest.mark.parametrize(("header", "lang"), NO_LISTED_REGION)
def test_a_browser_naming_no_listed_country_gets_the_directory_not_a_number(
    client, db, header, lang
):
    page = client.get(f"/{lang}/help/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    own, top = own_section(page), banner(page)
    assert tel_links(own) == set() and tel_links(top) == set()
    assert HELPLINE_DIRECTORY_URL in own and HELPLINE_DIRECTORY_URL in top
    assert "#choose-country" in top  # the banner offers the chooser
    assert 'id="choose-country"' in page
    assert '<option value="" selected disabled>' in page  # no country preselected


@pytest.mark.parametrize(("header", "lang"), NO_LISTED_REGION)
def test_an_episode_page_gives_such_a_browser_the_directory_not_a_number(
    client, db, header, lang, make_episode
):
    make_episode("kind")
    page = client.get(
        f"/{lang}/stories/kind/", HTTP_ACCEPT_LANGUAGE=header
    ).content.decode()
    box = page.split('class="card helpline-box"')[1].split("</section>")[0]
    assert tel_links(box) == set()
    assert HELPLINE_DIRECTORY_URL in box and "#choose-country" in box


# Every two-letter code, which covers every ISO 3166-1 region, and a few UN M.49
# areas ("419" is Latin America): no package needed, and nothing can be missed.
REGIONS = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]
REGIONS += ["419", "150", "001"]
LISTED = {row["country"] for row in helplines_data()}


@pytest.mark.parametrize("language", ["en", "it", "fr", "de", "es", "pt", "ar", "nl"])
def test_no_browser_region_ever_shows_another_countrys_number(db, language):
    """For every region and the usual shapes of header, the banner shows that
    region's own lines, or none (then the directory): never another country's."""
    site_languages = [code for code, _name in settings.LANGUAGES]
    page_language = language if language in site_languages else "en"
    factory = RequestFactory()
    wrong = []
    with translation.override(page_language):
        for region in REGIONS:
            for header in (
                f"{language}-{region}",
                f"{language}-{region},{language};q=0.9,en;q=0.8",
                f"{language}-{region},en-GB;q=0.7,en-US;q=0.5,de-DE;q=0.3",
            ):
                context = site(factory.get("/", HTTP_ACCEPT_LANGUAGE=header))
                shown = {line.country for line in context["banner_helplines"]}
                expected = {region} if region in LISTED else set()
                guessed = context["visitor_country"]
                if shown != expected or guessed not in (region, ""):
                    wrong.append((header, guessed, sorted(shown)))
    assert wrong == []


def test_the_banner_names_the_country_whose_number_it_shows_and_offers_the_change(
    client, db
):
    for country in sorted(LISTED):
        client.cookies[COUNTRY_COOKIE] = country
        for lang in ("en", "it", "fr", "de"):
            top = banner(client.get(f"/{lang}/help/").content.decode())
            with translation.override(lang):
                name = country_name(country)
            assert f'class="banner-country">{name}' in top.replace("&#x27;", "'")
            assert f'href="/{lang}/help/#choose-country"' in top


@pytest.mark.parametrize(
    "path", ["/en/help/", "/fr/", "/de/stories/", "/it/gallery/", "/en/challenge/"]
)
def test_a_page_with_the_visitors_helplines_varies_on_language_and_cookie(
    client, db, path
):
    """Our URLs carry their language (/en/...), so Django adds no Vary on
    Accept-Language; the banner's country depends on it and on the cookie."""
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en-GB")
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",")}
    assert {"accept-language", "cookie"} <= vary


def test_a_cached_gallery_page_never_carries_one_visitors_country_to_another(
    db, settings
):
    settings.GALLERY_CACHE_SECONDS = 60

    def top(header: str) -> str:
        page = Client(HTTP_ACCEPT_LANGUAGE=header).get("/en/gallery/")
        return banner(page.content.decode())

    assert "0800 1111" in top("en-GB,en;q=0.9")  # now in the cache
    australia = top("en-AU,en;q=0.9")
    assert tel_links(australia) == set() and HELPLINE_DIRECTORY_URL in australia
    assert "900 20 20 10" in top("es-ES,es;q=0.9,en;q=0.8")
    assert "0800 1111" in top("en-GB,en;q=0.9")


def test_the_3020_is_only_shown_with_its_call_the_3018_note(client, db, make_episode):
    """Its funding ended and the 3018 replaced it: the short lists (banner, episode
    page, mails, other countries) leave it out; the help page's card keeps it,
    with the description that says to call the 3018."""
    assert "3020" not in {line.number for line in helplines_for("FR")}
    client.cookies[COUNTRY_COOKIE] = "GB"
    others = client.get("/fr/help/").content.decode().split("other-helplines")[1]
    assert "3018" in others and "3020" not in others
    client.cookies[COUNTRY_COOKIE] = "FR"
    make_episode("kind")
    box = client.get("/fr/stories/kind/").content.decode()
    box = box.split('class="card helpline-box"')[1].split("</section>")[0]
    assert "3018" in box and "3020" not in box


@pytest.mark.parametrize(
    ("lang", "name"),
    [
        ("en", "European Helpline for Children and Adolescents"),
        ("it", "Linea europea di ascolto per bambini e adolescenti"),
        ("fr", "Ligne d'écoute européenne pour enfants et adolescents"),
        ("de", "Europäisches Hilfetelefon für Kinder und Jugendliche"),
    ],
)
@pytest.mark.parametrize("country", ["CY", "GR"])
def test_the_cyprus_and_greece_116_111_is_named_in_the_pages_language(
    client, db, country, lang, name
):
    client.cookies[COUNTRY_COOKIE] = country
    own = own_section(client.get(f"/{lang}/help/").content.decode())
    assert name in own.replace("&#x27;", "'")
    if lang != "en":
        assert "European Helpline" not in own


@pytest.mark.parametrize(
    ("country", "key"),
    [
        ("DE", "de-telefonseelsorge"),  # open at night and on Sundays
        ("DE", "de-krisenchat"),
        ("US", "us-boys-town"),  # a general line for young people
        ("NO", "no-kors-pa-halsen"),  # not only violence and abuse
    ],
)
def test_the_coverage_gaps_are_closed(client, db, country, key):
    line = Helpline.objects.get(key=key)
    client.cookies[COUNTRY_COOKIE] = country
    own = own_section(client.get("/en/help/").content.decode())
    assert line.name in own
    if line.number:
        assert f"tel:{line.tel}" in own


@pytest.mark.parametrize(
    "forged",
    [
        "XX",
        "ZZZ",
        "<script>alert(1)</script>",
        '" onmouseover="alert(1)',
        "DE; Path=/",
        "x" * 4000,
        "116 111",
    ],
)
def test_a_forged_country_cookie_counts_as_no_choice(client, db, forged):
    client.cookies[COUNTRY_COOKIE] = forged
    page = client.get("/en/help/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert "Childline" in own_section(page)  # the browser's region
    assert 'class="badge"' not in own_section(page)
    if forged not in ("XX", "ZZZ", "116 111"):
        assert forged not in page


def test_the_chooser_accepts_another_country_and_shows_the_directory(client, db):
    client.post("/en/country/", {"country": "zz", "next": "/en/help/"})
    assert client.cookies[COUNTRY_COOKIE].value == OTHER_COUNTRY
    page = client.get("/en/help/").content.decode()
    assert HELPLINE_DIRECTORY_URL in own_section(page)


@pytest.mark.parametrize(
    "value", ["XX", "<b>DE</b>", "DE\r\nSet-Cookie: evil=1", "", "D E"]
)
def test_the_chooser_refuses_anything_but_a_known_code(client, db, value):
    response = client.post("/en/country/", {"country": value, "next": "/en/help/"})
    assert COUNTRY_COOKIE not in response.cookies


def test_a_helpline_added_for_a_country_appears_only_there(client, db):
    Helpline.objects.create(country="CH", name="Staff line", number="0800 000 000")
    client.cookies[COUNTRY_COOKIE] = "AT"
    page = client.get("/de/help/").content.decode()
    assert "0800 000 000" not in own_section(page)
    client.cookies[COUNTRY_COOKIE] = "CH"
    assert "0800 000 000" in own_section(client.get("/de/help/").content.decode())


def test_the_help_page_costs_the_same_queries_however_many_countries(
    client, db, django_assert_num_queries
):
    def queries() -> int:
        cache.clear()  # a cold snapshot each time: the worst case
        with CaptureQueriesContext(connection) as captured:
            client.get("/en/help/")
        return len(captured)

    before = queries()
    Helpline.objects.bulk_create(
        Helpline(country=code, name=f"Extra {n}", number=f"0800 {n:03}")
        for n, code in enumerate(sorted(COUNTRY_CODES - {OTHER_COUNTRY}) * 3)
    )
    assert queries() == before
    with django_assert_num_queries(0):
        client.get("/en/help/")  # and nothing at all once the snapshot is warm


# The loader --------------------------------------------------------------------


def write(tmp_path, rows) -> Path:
    path = tmp_path / "helplines.json"
    path.write_text(json.dumps({"helplines": rows}), encoding="utf-8")
    return path


def rows_from_file() -> list[dict]:
    return json.loads(HELPLINES_FILE.read_text(encoding="utf-8"))["helplines"]


def test_loading_twice_changes_nothing_the_second_time(db):
    count = Helpline.objects.count()
    report = helplines_load()
    assert report.unchanged and not (report.created or report.updated)
    assert not (report.removed or report.kept_edited)
    assert Helpline.objects.count() == count


def test_the_loader_updates_a_row_staff_never_touched(db, tmp_path):
    rows = rows_from_file()
    rows[0]["number"] = "147 (new)"
    report = helplines_load(path=write(tmp_path, rows))
    assert report.updated == [rows[0]["key"]]
    assert Helpline.objects.get(key=rows[0]["key"]).number == "147 (new)"


def test_the_loader_keeps_what_staff_edited_in_the_admin(db, tmp_path):
    rows = rows_from_file()
    line = Helpline.objects.get(key=rows[0]["key"])
    line.hours_de = "Von Hand geändert"
    line.save()
    rows[0]["number"] = "147 (new)"
    report = helplines_load(path=write(tmp_path, rows))
    assert rows[0]["key"] in report.kept_edited
    line.refresh_from_db()
    assert (line.number, line.hours_de) == ("147", "Von Hand geändert")
    assert "kept as staff edited them" in str(report)


def test_a_line_that_left_the_file_goes_unless_staff_edited_it(db, tmp_path):
    rows = rows_from_file()
    gone, edited = rows.pop(0), rows.pop(0)
    Helpline.objects.filter(key=edited["key"]).update(number="0000")
    staff = Helpline.objects.create(country="AT", name="Staff line", number="1")
    report = helplines_load(path=write(tmp_path, rows))
    assert report.removed == [gone["key"]]
    assert edited["key"] in report.kept_edited
    assert not Helpline.objects.filter(key=gone["key"]).exists()
    assert Helpline.objects.filter(pk=staff.pk).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"country": "ZZ"}, "unknown country"),
        ({"country": "XX"}, "unknown country"),
        ({"key": "Not a slug!"}, "slug key"),
        ({"number": "", "url": "", "chat_url": ""}, "needs a number"),
        ({"url": "http://insecure.example/"}, "https://"),
        ({"chat_url": "javascript:alert(1)"}, "https://"),
        ({"hours": {"en": "24/7", "it": "", "fr": "", "de": ""}}, "hours needs"),
        ({"name": {"en": "Line", "it": "", "fr": "", "de": ""}}, "needs a name"),
        ({"name": ""}, "needs a name"),
        ({"in_short_lists": "no"}, "true or false"),
    ],
)
def test_a_mistake_in_the_file_stops_the_load_and_writes_nothing(
    db, tmp_path, change, message
):
    rows = rows_from_file()
    rows[0] = {**rows[0], **change}
    rows[1]["number"] = "changed"
    before = list(Helpline.objects.values_list("key", "number").order_by("key"))
    with pytest.raises(HelplineDataError, match=message):
        helplines_load(path=write(tmp_path, rows))
    assert list(Helpline.objects.values_list("key", "number").order_by("key")) == (
        before
    )


def test_a_name_is_one_string_or_one_a_language(db, tmp_path):
    rows = rows_from_file()
    rows[0]["name"] = "Rat auf Draht"
    rows[1]["name"] = {"en": "Line", "it": "Linea", "fr": "Ligne", "de": "Leitung"}
    helplines_load(path=write(tmp_path, rows))
    same = Helpline.objects.get(key=rows[0]["key"])
    assert {same.name_en, same.name_it, same.name_fr, same.name_de} == {"Rat auf Draht"}
    for lang, name in rows[1]["name"].items():
        with translation.override(lang):
            assert Helpline.objects.get(key=rows[1]["key"]).name == name


@pytest.mark.django_db(transaction=True)
def test_upgrading_leaves_the_loaders_rows_in_its_hands_and_staffs_in_theirs():
    """Migration 0003 adds translated names and `in_short_lists`, which changes what
    the loader's hash covers: a row the loader wrote must not start looking edited
    by staff (it would never be updated again), and an edited one must stay so."""
    from django.db.migrations.executor import MigrationExecutor

    before = [("campaign", "0002_helpline_data_key_chat_url")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("campaign", "Helpline")
    names = ["country", "name", "number", "url", "chat_url", "languages", "order"]
    names += [
        f"{n}_{c}" for n in ("description", "hours") for c in ["en", "it", "fr", "de"]
    ]

    def old_digest(line) -> str:
        values = {name: getattr(line, name) for name in names}
        encoded = json.dumps(values, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()

    for line in old.objects.filter(key__in=["fr-3020", "at-rat-auf-draht"]):
        line.data_hash = old_digest(line)
        if line.key == "at-rat-auf-draht":
            line.hours_de = "Von Hand geändert"  # staff edited it afterwards
        line.save()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    report = helplines_load()
    assert "fr-3020" in report.updated  # the file now keeps it out of short lists
    assert "at-rat-auf-draht" in report.kept_edited
    assert Helpline.objects.get(key="fr-3020").in_short_lists is False
    assert Helpline.objects.get(key="at-rat-auf-draht").name_it == "Rat auf Draht"


def test_load_helplines_command_reports_what_it_did(db, capsys):
    from django.core.management import call_command

    call_command("load_helplines")
    assert "unchanged" in capsys.readouterr().out


def test_a_staff_save_forgets_the_snapshot(client, db):
    site_snapshot()
    line = Helpline.objects.get(key="ch-147")
    line.number = "147 (neu)"
    line.save()
    client.cookies[COUNTRY_COOKIE] = "CH"
    assert "147 (neu)" in client.get("/de/help/").content.decode()


# The sources -------------------------------------------------------------------


def doc_sections() -> dict[str, str]:
    text = (BASE_DIR / "docs" / "helplines.md").read_text(encoding="utf-8")
    parts = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    return {part.split()[0]: part.split("\n## ")[0] for part in parts}


def source_rows(section: str) -> list[tuple[str, str]]:
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith(("https://", "http://")):
            rows.append((cells[0], cells[1]))
    return rows


@pytest.mark.parametrize("row", helplines_data(), ids=lambda row: row["key"])
def test_every_fact_shown_has_a_source_in_docs_helplines(row):
    section = doc_sections().get(row["key"])
    assert section, f"docs/helplines.md has no section ### {row['key']}"
    assert re.search(r"^Checked: \d{4}-\d{2}-\d{2}$", section, re.MULTILINE)
    named = " ".join(facts for facts, _url in source_rows(section))
    shown = {
        "name": True,
        "number": row["number"],
        "hours": row["hours"].get("en"),
        "website": row["url"],
        "chat": row["chat_url"],
        "languages": row["languages"],
    }
    for fact, value in shown.items():
        if value:
            assert fact in named, f"{row['key']}: no source for its {fact}"
    if row["number"]:
        assert row["number"] in section


def test_a_french_visitor_finds_the_3018_first_and_the_campaigns_3020_with_advice(
    client, db
):
    """TikTok's French campaign named the 3020; since September 2023 the 3018 is the
    single number. Both are on the page, the 3018 first, and the 3020 says so."""
    client.cookies[COUNTRY_COOKIE] = "FR"
    page = client.get("/fr/help/").content.decode()
    own = own_section(page)
    assert {"3018", "3020", "119"} <= tel_links(own)
    assert own.index("tel:3018") < own.index("tel:3020")
    after_3020 = own[own.index("tel:3020") :]
    assert "3018" in after_3020[:1500]
    assert "3018" in tel_links(banner(page))
