"""The restore drill: fill a site, back it up, destroy its database and its bucket,
restore both into new ones, and check that what should come back did, and that
what people deleted did not.

    .venv/bin/python bench/restore_drill.py                # 30 entries
    .venv/bin/python bench/restore_drill.py --entries 12   # the suite's small drill

The production shape of docs/deploy.md on loopback: PostgreSQL (database kh_drill,
dropped and created; restored into kh_drill_restored) and the private bucket on a
moto S3 server. The backup is the one docs/deploy.md describes for a small site: a
consistent `pg_dump -Fc` and a copy of every object of the private bucket into a
backup bucket, with a listing; the deletion journal (core.journal) lives beside them,
off the database's disk.

1. Fill: participants, entries in every state (approved with notes, rejected,
   hidden, withdrawn, waiting for review) made from real clips by the real pipeline,
   the moderators' decisions in the audit log, a guardian's address whose retention
   period ends between the backup and the restore.
2. Back up (timed), noting the time the dump started.
3. After the backup, the live site goes on: a participant withdraws an entry, one
   deletes their account, the daily retention sweep erases the expired guardian
   address, and someone uploads a new entry (the data the restore will lose).
4. Destroy: the database is dropped, the bucket emptied and deleted.
5. Restore (timed: the RTO): a new database from the dump, a new bucket from the
   backup bucket, then `manage.py deletions_replay --since <dump time>` and
   `manage.py retention_sweep`.
6. Check: every row count and the audit log as at the backup; every approved entry
   plays (its MP4 and its HLS ladder decode); no file of a withdrawn or deleted video
   came back, nor the deleted account, nor the expired guardian address; and the
   entry made after the backup is reported lost (the RPO).
Only 127.0.0.1 is contacted.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
sys.path.insert(0, str(BASE_DIR))

from harness import PYTHON, bench_env, free_port, header, manage  # noqa: E402
from load import fresh_database  # noqa: E402

# Names of their own, so that two drills (two test processes) never share one.
DATABASE = os.environ.get("BENCH_DRILL_DATABASE", "kh_drill")
RESTORED = f"{DATABASE}_restored"
BUCKET = "kh-drill-private"
BACKUP_BUCKET = "kh-drill-backup"
PG = ["-h", "127.0.0.1", "-U", "postgres"]

FILL = """
import django, json, sys, tempfile, datetime as dt; django.setup()
from pathlib import Path
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from challenge.models import Entry, GuardianConsent, Participant
from challenge.services.moderation.decisions import entry_approve, entry_hide, entry_reject
from challenge.services.notes.writing import note_submit
from challenge.services.submission import entry_create, entry_withdraw
from challenge.states import entry_follow_video
from videos.clips import make_clip
from videos.services import video_create, video_process
entries = json.loads(sys.stdin.read())["entries"]
User = get_user_model()
moderator = User.objects.create_user(username="drillmod", email="drillmod@example.org",
    password="drill-only", is_staff=True)
moderator.groups.add(Group.objects.get(name="Moderators"))
clip = make_clip(Path(tempfile.mkdtemp()) / "clip.mp4", seconds=2, width=160, height=288,
    fps=12)
STATES = ["approved", "approved", "rejected", "hidden", "withdrawn", "pending_review"]
made, writers = [], []
for n in range(entries):
    user = User.objects.create_user(username=f"drill{n}", email=f"drill{n}@example.org",
        password="drill-only")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    participant = Participant.objects.create(user=user, handle=f"drill_{n}",
        birth_year=1995, birth_month=5, country="FR", language="fr")
    writers.append(participant)
    with transaction.atomic(), clip.open("rb") as handle:
        video = video_create(file=File(handle), original_name="clip.mp4")
        entry = entry_create(participant=participant, video=video,
            caption=f"Gentillesse numéro {n} #CreateKindness", prompt="moment",
            language="fr")
    video_process(video_id=video.pk)
    entry = entry_follow_video(entry_id=entry.pk)
    state = STATES[n % len(STATES)]
    if state in ("approved", "hidden"):
        entry_approve(entry_id=entry.pk, actor=moderator, note="drill")
    if state == "hidden":
        entry_hide(entry_id=entry.pk, actor=moderator, reason="drill")
    if state == "rejected":
        entry_reject(entry_id=entry.pk, actor=moderator, reason="off_theme")
    if state == "withdrawn":
        entry_withdraw(entry=entry, actor=user)
    made.append((entry.pk, state))
for entry_id, state in made:
    if state == "approved":
        for writer in writers[:3]:
            note_submit(entry_id=entry_id, participant=writer,
                text=f"Merci pour le numéro {entry_id}, c’est beau.")
# A guardian's address whose retention ends now: the next daily sweep erases it.
withdrawn = next(pk for pk, state in made if state == "withdrawn")
GuardianConsent.objects.create(entry_id=withdrawn, guardian_email="parent@example.net",
    decision="granted", decided_at=timezone.now())
Entry.objects.filter(pk=withdrawn).update(state_changed_at=timezone.now()
    - dt.timedelta(days=settings.RETENTION_CONSENT_DAYS, minutes=1))
print(json.dumps(made))
"""

# Row counts and the audit log, as the checks compare them.
SNAPSHOT = """
import django, hashlib, json; django.setup()
from django.apps import apps
counts = {m._meta.label: m.objects.count() for m in apps.get_models()
          if m._meta.app_label in ("challenge", "videos", "stories", "campaign", "auth",
                                   "account")}
from challenge.models import EntryEvent, NoteEvent
audit = [list(map(str, row)) for row in EntryEvent.objects.order_by("pk").values_list(
    "pk", "entry_id", "from_state", "to_state", "reason", "actor_id", "created_at")]
audit += [list(map(str, row)) for row in NoteEvent.objects.order_by("pk").values_list(
    "pk", "note_id", "from_state", "to_state", "reason", "actor_id", "created_at")]
print(json.dumps({"counts": counts, "audit_rows": len(audit),
    "audit": hashlib.sha256(json.dumps(audit).encode()).hexdigest()}))
"""

AFTER_BACKUP = """
import django, json, sys; django.setup()
from pathlib import Path
from django.core.files import File
from django.db import transaction
from challenge.models import Entry, Participant
from challenge.services.privacy import account_delete, retention_sweep
from challenge.services.submission import entry_create, entry_withdraw
from videos.services import video_create
given = json.loads(sys.stdin.read())
made, clip = given["made"], Path(given["clip"])
approved = [pk for pk, state in made if state == "approved"]
withdrawn = Entry.objects.get(pk=approved[0])
entry_withdraw(entry=withdrawn, actor=withdrawn.participant.user)
leaving = Entry.objects.select_related("participant__user").get(pk=approved[1])
leaving_video, leaving_user = leaving.video_id, leaving.participant.user.username
account_delete(user=leaving.participant.user)
swept = retention_sweep()
late = Participant.objects.exclude(user__username=leaving_user).first()
with transaction.atomic(), clip.open("rb") as handle:
    video = video_create(file=File(handle), original_name="late.mp4")
    late_entry = entry_create(participant=late, video=video, caption="After the backup",
        prompt="moment", language="fr")
print(json.dumps({"withdrawn": [withdrawn.pk, str(withdrawn.video_id)],
    "deleted_account": leaving_user, "deleted_video": str(leaving_video),
    "guardian_emails_erased": swept["guardian_emails"], "late_entry": late_entry.pk}))
"""

CHECK = """
import django, json, sys, tempfile, datetime as dt; django.setup()
from pathlib import Path
import av
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from challenge.models import Entry, GuardianConsent
from challenge.services.guardian import ERASED_EMAIL
from videos.models import Video, private_storage
after = json.loads(sys.stdin.read())
storage = private_storage()
work = Path(tempfile.mkdtemp())

def decodes(*names: str) -> bool:
    # The files, joined (an fMP4 segment after its init), decode to frames.
    local = work / names[-1].replace("/", "_")
    local.write_bytes(b"".join(storage.open(name).read() for name in names))
    with av.open(str(local)) as container:
        return any(True for _ in container.decode(video=0))

def rung_plays(folder: str, rung: str) -> bool:
    base = f"{folder}/{rung.rsplit('/', 1)[0]}" if "/" in rung else folder
    playlist = storage.open(f"{folder}/{rung}").read().decode().splitlines()
    init = next(l.split('URI="', 1)[1].split('"', 1)[0] for l in playlist
                if l.startswith("#EXT-X-MAP"))
    first = next(l for l in playlist if l and not l.startswith("#"))
    return decodes(f"{base}/{init}", f"{base}/{first}")

plays, broken = 0, []
for entry in Entry.objects.filter(state="approved").select_related("video"):
    video = entry.video
    try:
        master = storage.open(video.stream.name).read().decode()
        folder = video.stream.name.rsplit("/", 1)[0]
        rungs = [line for line in master.splitlines() if line.endswith(".m3u8")]
        ok = (decodes(video.output.name) and bool(rungs)
              and all(rung_plays(folder, rung) for rung in rungs)
              and storage.exists(video.poster.name))
    except Exception as error:
        ok = False
        broken.append(f"{entry.pk}: {error!r}"[:200])
    plays += ok
    if not ok and not broken:
        broken.append(str(entry.pk))
live = {str(pk) for pk in Video.objects.exclude(status="deleted").values_list("pk", flat=True)}
stored = [item.key for item in storage.bucket.objects.filter(Prefix="videos/")]
files_of_deleted = [key for key in stored if key.split("/")[1] not in live]
withdrawn = Entry.objects.filter(pk=after["withdrawn"][0]).values_list("state", flat=True).first()
expired = GuardianConsent.objects.filter(entry__state__in=["rejected", "failed", "withdrawn"],
    entry__state_changed_at__lt=timezone.now() - dt.timedelta(days=settings.RETENTION_CONSENT_DAYS)
    ).exclude(guardian_email=ERASED_EMAIL).count()
print(json.dumps({
    "approved": Entry.objects.filter(state="approved").count(), "plays": plays,
    "broken": broken[:5], "files_of_deleted": files_of_deleted[:10],
    "withdrawn_state": withdrawn,
    "deleted_account_back": get_user_model().objects.filter(
        username=after["deleted_account"]).exists(),
    "deleted_video_files": any(key.split("/")[1] == after["deleted_video"]
                               for key in stored),
    "expired_guardian_addresses": expired,
    "late_entry_back": Entry.objects.filter(pk=after["late_entry"]).exists(),
}))
"""


def run_python(env, code: str, stdin: str = "") -> str:
    """`code` in a fresh Python with the drill's settings; its output. A failure
    shows what the script printed on stderr."""
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=BASE_DIR, env=env, input=stdin,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"a step of the drill failed (exit {result.returncode})")
    return result.stdout


def s3(url: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="drill",
        aws_secret_access_key="drill",  # noqa: S106  (moto, loopback)
    )


def keys(client, bucket: str) -> dict[str, str]:
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = item["ETag"]
    return found


def bucket_copy(client, source: str, target: str) -> dict[str, str]:
    """Copy every object of `source` into `target` inside the server; the listing
    (key: ETag) of what was copied."""
    listing = keys(client, source)
    for key in listing:
        client.copy_object(
            Bucket=target, Key=key, CopySource={"Bucket": source, "Key": key}
        )
    return listing


def bucket_destroy(client, bucket: str) -> None:
    for key in keys(client, bucket):
        client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)


def drop_database(name: str) -> None:
    subprocess.run(
        ["psql", *PG, "-d", "postgres", "-qc", f'DROP DATABASE "{name}" WITH (FORCE)'],
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep DATA_DIR")
    args = parser.parse_args()
    # Two of each state at least: two approved entries are taken back after the
    # backup, and approved ones must remain to be played.
    args.entries = max(args.entries, 12)
    header("bench/restore_drill.py", server=False)
    data_dir = Path(tempfile.mkdtemp(prefix="kh-drill-"))
    port = free_port()
    moto = subprocess.Popen(
        [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=(data_dir / "moto.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        client = s3(url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.create_bucket(Bucket=BUCKET)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        storage_env = {
            "S3_ENDPOINT_URL": url,
            "S3_PRIVATE_BUCKET": BUCKET,
            "S3_ACCESS_KEY_ID": "drill",
            "S3_SECRET_ACCESS_KEY": "drill",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
        env = bench_env(
            data_dir, {"DATABASE_URL": fresh_database(DATABASE), **storage_env}
        )
        for name in ("REDIS_URL", "REDIS_BROKER_URL", "REDIS_CACHE_URL"):
            env.pop(name, None)  # the embedded broker and cache: nothing shared
        started = time.monotonic()
        manage(env, "migrate")
        made = json.loads(
            run_python(env, FILL, json.dumps({"entries": args.entries})).splitlines()[
                -1
            ]
        )
        print(f"filled: {len(made)} entries in {time.monotonic() - started:.0f} s")

        # --- 2. the backup ------------------------------------------------------------
        at_backup = json.loads(run_python(env, SNAPSHOT).splitlines()[-1])
        since = run_python(
            env, "import django; django.setup()\n"
            "from django.utils import timezone; print(timezone.now().isoformat())"
        ).strip()  # fmt: skip
        began = time.monotonic()
        dump = data_dir / "backup.dump"
        subprocess.run(["pg_dump", *PG, "-Fc", "-f", str(dump), DATABASE], check=True)
        client.create_bucket(Bucket=BACKUP_BUCKET)
        listing = bucket_copy(client, BUCKET, BACKUP_BUCKET)
        backup_seconds = time.monotonic() - began
        print(
            f"backup: {backup_seconds:.1f} s (dump {dump.stat().st_size / 1e6:.1f} MB, "
            f"{len(listing)} objects), taken at {since}"
        )

        # --- 3. the live site goes on ---------------------------------------------------
        from videos.clips import make_clip

        clip = make_clip(
            data_dir / "late.mp4", seconds=1, width=160, height=288, fps=12
        )
        given = json.dumps({"made": made, "clip": str(clip)})
        after = json.loads(run_python(env, AFTER_BACKUP, given).splitlines()[-1])
        print(
            f"after the backup: entry {after['withdrawn'][0]} withdrawn, account "
            f"{after['deleted_account']} deleted, {after['guardian_emails_erased']} "
            f"guardian address erased by the sweep, entry {after['late_entry']} uploaded"
        )

        # --- 4. destroy -----------------------------------------------------------------
        drop_database(DATABASE)
        bucket_destroy(client, BUCKET)
        print("destroyed: database dropped, bucket deleted")

        # --- 5. restore -----------------------------------------------------------------
        began = time.monotonic()
        restored_url = fresh_database(RESTORED)
        subprocess.run(
            ["pg_restore", *PG, "-j", "2", "-d", RESTORED, str(dump)], check=True
        )
        client.create_bucket(Bucket=BUCKET)
        bucket_copy(client, BACKUP_BUCKET, BUCKET)
        restored_env = {**env, "DATABASE_URL": restored_url}
        as_restored = json.loads(run_python(restored_env, SNAPSHOT).splitlines()[-1])
        subprocess.run(
            [PYTHON, "manage.py", "deletions_replay", "--since", since],
            cwd=BASE_DIR, env=restored_env, check=True,
        )  # fmt: skip
        manage(restored_env, "retention_sweep")
        restore_seconds = time.monotonic() - began
        print(f"restore: {restore_seconds:.1f} s (database, bucket, replay, sweep)")

        # --- 6. checks ------------------------------------------------------------------
        check = json.loads(
            run_python(restored_env, CHECK, json.dumps(after)).splitlines()[-1]
        )
        problems = []
        if as_restored["counts"] != at_backup["counts"]:
            differ = {
                k: (v, as_restored["counts"].get(k))
                for k, v in at_backup["counts"].items()
                if as_restored["counts"].get(k) != v
            }
            problems.append(f"row counts differ from the backup's: {differ}")
        if as_restored["audit"] != at_backup["audit"]:
            problems.append("the audit log differs from the backup's")
        if check["plays"] != check["approved"] or not check["approved"]:
            problems.append(f"approved entries that do not play: {check['broken']}")
        if check["files_of_deleted"] or check["deleted_video_files"]:
            problems.append(
                f"files of deleted videos came back: {check['files_of_deleted']}"
            )
        if check["withdrawn_state"] != "withdrawn":
            problems.append(f"the withdrawn entry is {check['withdrawn_state']}")
        if check["deleted_account_back"]:
            problems.append("the deleted account came back")
        if check["expired_guardian_addresses"]:
            problems.append("a guardian address past its retention came back")
        print(
            f"checked: {len(at_backup['counts'])} tables' row counts and "
            f"{at_backup['audit_rows']} audit events as at the backup; "
            f"{check['plays']}/{check['approved']} approved entries play (MP4 and every "
            f"HLS rung); withdrawn entry {check['withdrawn_state']}; deleted account back: "
            f"{check['deleted_account_back']}; files of deleted videos back: "
            f"{len(check['files_of_deleted'])}; expired guardian addresses back: "
            f"{check['expired_guardian_addresses']}"
        )
        print(
            f"RTO {restore_seconds:.1f} s here for {len(listing)} objects; RPO: what was "
            f"written after the dump is lost (here entry {after['late_entry']}: back "
            f"{check['late_entry_back']}); with the daily dump of docs/deploy.md up to "
            "24 h, with WAL archiving (archive_timeout 60 s) about a minute"
        )
        if check["late_entry_back"]:
            problems.append("an entry made after the backup is in the restore")
        for problem in problems:
            print(f"  PROBLEM: {problem}")
        print("DRILL PASSED" if not problems else "DRILL FAILED")
        return 0 if not problems else 1
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        for name in (DATABASE, RESTORED):
            subprocess.run(
                ["psql", *PG, "-d", "postgres", "-qc",
                 f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                check=False, capture_output=True,
            )  # fmt: skip
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
