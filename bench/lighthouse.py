"""Lighthouse (npm `lighthouse` 12, bench/node/) on the public pages, phone profile.

    make node-tools && .venv/bin/python bench/lighthouse.py
    .venv/bin/python bench/lighthouse.py --languages en de --pages home gallery

Prepares a site like `make run` (a temporary DATA_DIR, SQLite, migrate, demo content,
collectstatic), serves it with gunicorn through bench/harness.py (DEBUG off), and runs
Lighthouse with Debian's Chromium on every public page: home, the stories, an episode,
the gallery, an entry, the challenge and its rules, help, partners, and the submit page
(signed in as a demo participant: a session cookie), in each language.
Prints one row per page with the four category scores (0–100) and the audits that
cost points; the last line says whether accessibility, best practices and SEO are
100 everywhere and performance at least 95. The suite's browser test
(tests/e2e/test_lighthouse.py) asserts the three non-timing scores with `scores()`.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from harness import (  # noqa: E402  (bench/harness.py)
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    bench_env,
    django_output,
    header,
    manage,
)

LIGHTHOUSE = BENCH_DIR / "node" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = " ".join(["--headless=new", *CHROMIUM_ARGS])
NON_TIMING = ("accessibility", "best-practices", "seo")
ALL = ("performance", *NON_TIMING)


def available() -> str | None:
    """Why Lighthouse cannot run here, or None."""
    if not LIGHTHOUSE.exists():
        return "Lighthouse is not installed (make node-tools)"
    if not shutil.which("node"):
        return "node is missing"
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is missing"
    return None


def scores(url: str, *, categories=ALL, cookie: str = "") -> tuple[dict, list[str]]:
    """({category: score 0–100}, [what cost points]) for one page, phone profile.
    Lighthouse sometimes loses its trace (NO_NAVSTART): one more try then."""
    try:
        return _scores(url, categories=categories, cookie=cookie)
    except RuntimeError:
        return _scores(url, categories=categories, cookie=cookie)


def _scores(url: str, *, categories, cookie: str) -> tuple[dict, list[str]]:
    with tempfile.TemporaryDirectory(prefix="kh-lighthouse-") as folder:
        report = Path(folder) / "report.json"
        command = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--only-categories={','.join(categories)}",
            "--output=json",
            f"--output-path={report}",
        ]
        if cookie:
            command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        done = subprocess.run(
            command,
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode or not report.exists():
            raise RuntimeError(
                f"lighthouse failed on {url} ({done.returncode}): {done.stderr[-800:]}"
            )
        data = json.loads(report.read_text())
    found = {
        name: round(100 * (c["score"] or 0)) for name, c in data["categories"].items()
    }
    costs = []
    for name, category in data["categories"].items():
        for ref in category["auditRefs"]:
            audit = data["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                shown = audit.get("displayValue") or ""
                items = (audit.get("details") or {}).get("items") or []
                if items and not shown:
                    first = items[0]
                    parts = (
                        first.get("source"),
                        first.get("url")
                        or (first.get("sourceLocation") or {}).get("url"),
                        first.get("description"),
                        (first.get("node") or {}).get("snippet"),
                    )
                    shown = " ".join(str(part) for part in parts if part)[:160]
                costs.append(f"{name}: {ref['id']} {shown}".strip())
    final = data.get("finalDisplayedUrl") or data.get("finalUrl") or url
    if final.rstrip("/") != url.rstrip("/"):
        costs.insert(0, f"(ended at {final})")
    return found, costs


def _prepare(data_dir: Path) -> dict:
    # The embedded defaults, as `make run` has them: SQLite, no Redis.
    env = bench_env(data_dir)
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    # `make run`'s local mode (DJANGO_DEBUG unset): DEBUG off, and the public media
    # (the creators' avatars) served by the site itself, as no web server is in front.
    env.pop("DJANGO_DEBUG", None)
    for args in (
        ("migrate", "--noinput"),
        ("demo_content",),
        ("collectstatic", "--noinput"),
    ):
        manage(env, *args)
    return env


def _paths_and_cookie(env) -> tuple[dict[str, str], str]:
    """The URLs of one episode and one entry, and a demo participant's session."""
    code = (
        "from django.conf import settings;"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY;"
        "from django.contrib.sessions.backends.db import SessionStore;"
        "from challenge.models import Participant;"
        "from challenge.selectors.gallery import public_entries;"
        "from stories.models import Episode;"
        "e = Episode.objects.order_by('order').first();"
        "g = public_entries().first();"
        "from allauth.account.models import EmailAddress;"
        "u = Participant.objects.filter(is_demo=True).first().user;"
        # a throwaway site: the demo account's address counts as confirmed
        "EmailAddress.objects.update_or_create(user=u, email=u.email,"
        " defaults={'verified': True, 'primary': True});"
        "s = SessionStore(); s[SESSION_KEY] = str(u.pk);"
        "s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0];"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create();"
        "print(e.slug, g.pk, settings.SESSION_COOKIE_NAME + '=' + s.session_key)"
    )
    slug, entry, cookie = django_output(env, code).split()
    paths = {
        "home": "/",
        "stories": "/stories/",
        "episode": f"/stories/{slug}/",
        "gallery": "/gallery/",
        "entry": f"/gallery/{entry}/",
        "submit": "/challenge/submit/",
        "challenge": "/challenge/",
        "rules": "/challenge/rules/",
        "help": "/help/",
        "partners": "/partners/",
    }
    return paths, cookie


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--languages", nargs="+", default=["en", "it", "fr", "de"])
    parser.add_argument(
        "--pages",
        nargs="+",
        default=[
            "home", "stories", "episode", "gallery", "entry", "challenge", "rules",
            "submit", "help", "partners",
        ],
    )  # fmt: skip
    args = parser.parse_args()
    missing = available()
    if missing:
        raise SystemExit(missing)
    header("bench/lighthouse.py")
    data_dir = Path(tempfile.mkdtemp(prefix="kh-lighthouse-site-"))
    try:
        env = _prepare(data_dir)
        paths, cookie = _paths_and_cookie(env)
        failed = []
        with Server(env) as server:
            base = f"http://127.0.0.1:{server.port}"
            print(
                f"{'page':<14} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5}  what cost points"
            )
            for language in args.languages:
                for page in args.pages:
                    url = f"{base}/{language}{paths[page]}"
                    found, costs = scores(
                        url, cookie=cookie if page == "submit" else ""
                    )
                    row = [found.get(name, 0) for name in ALL]
                    print(
                        f"{language} {page:<11} {row[0]:>5} {row[1]:>5} {row[2]:>5} "
                        f"{row[3]:>5}  {'; '.join(costs)}",
                        flush=True,
                    )
                    if min(row[1:]) < 100 or row[0] < 95:
                        failed.append(f"{language} {page}")
        print(
            "ALL GOALS MET (accessibility, best practices, SEO 100; performance ≥ 95)"
            if not failed
            else f"GOALS MISSED: {', '.join(failed)}"
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
