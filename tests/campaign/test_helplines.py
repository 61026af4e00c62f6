"""Helplines for every country the site accepts: the data file, its sources, the
loader, and what a visitor from each country sees."""

import json
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Helpline
from campaign.selectors import (
    COUNTRY_COOKIE,
    HELPLINE_DIRECTORY_URL,
    helplines_for,
    site_snapshot,
)
from campaign.services import (
    HELPLINES_FILE,
    HelplineDataError,
    helplines_data,
    helplines_load,
)
from core.countries import COUNTRY_CODES, OTHER_COUNTRY

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
        assert tel_links(own) == {line.tel for line in helplines_for(country)} - {""}
        assert tel_links(top) <= mine
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
        ("de", "de", "Nummer gegen Kummer"),
        ("", "it", "Telefono Azzurro"),
        ("xx-ZZ,en-XX;q=0.5", "en", "Childline"),
        ("en-US,en;q=0.9", "de", "Nummer gegen Kummer"),
        ("en-US,de-CH;q=0.5", "de", "Pro Juventute"),
        ("en-US", "en", "Childhelp"),
    ],
)
def test_without_a_choice_the_browsers_region_picks_the_country(
    client, db, header, lang, expected
):
    page = client.get(f"/{lang}/help/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert expected in own_section(page)
    assert 'class="badge"' not in own_section(page)  # a guess, not "your country"


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
    page = client.get("/en/help/").content.decode()
    assert "Childline" in own_section(page)  # the guess for English
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
