"""The challenge's e-mails, built in the recipient's language. Sending, claiming and
retrying are the services' and tasks' business; these only build messages."""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from campaign.selectors import HELPLINE_DIRECTORY_URL, helplines_for
from core.operator import site_operator, who_runs_this_url

from .devices import DeviceKind
from .models import GuardianConsent, ModerationNotice, RejectReason


def _render(name: str, context: dict) -> tuple[str, str]:
    subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
    return subject, render_to_string(f"{name}.txt", context)


def _automatic(*, subject: str, body: str, to: list[str]) -> EmailMultiAlternatives:
    """A mail the site sends by itself (RFC 3834: no auto-replies to it)."""
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers={"Auto-Submitted": "auto-generated"},
    )


def _who_runs_this() -> dict:
    """Every mail says who runs the site and how to reach them (its foot,
    challenge/email/_site_operator.txt). Call inside the recipient's language."""
    return {
        "operator": site_operator(),
        "operator_url": who_runs_this_url(),
    }


def guardian_request_message(
    *, consent: GuardianConsent, link: str
) -> EmailMultiAlternatives:
    """Asks a parent or guardian to confirm or refuse one entry.

    Two clocks, said as dates so they cannot be misread: the link stops working
    GUARDIAN_LINK_MAX_AGE_DAYS after it was sent (the participant can have a new
    one sent), and the entry is deleted GUARDIAN_WAIT_DAYS after the upload,
    whatever link is in use (services.privacy.guardian_no_answer_purge). A link is
    never said to work past that deletion."""
    entry = consent.entry
    deleted_at = entry.created_at + dt.timedelta(days=settings.GUARDIAN_WAIT_DAYS)
    link_until = min(
        consent.requested_at + dt.timedelta(days=settings.GUARDIAN_LINK_MAX_AGE_DAYS),
        deleted_at,
    )
    with translation.override(entry.participant.language):
        context = {
            "consent": consent,
            "entry": entry,
            "handle": entry.participant.handle,
            "link": link,
            "link_until": link_until,
            "deleted_at": deleted_at,
            "new_link_possible": link_until < deleted_at,
            "wait_days": settings.GUARDIAN_WAIT_DAYS,
            "site_url": settings.SITE_URL,
            **_who_runs_this(),
        }
        subject = render_to_string("challenge/email/guardian_subject.txt", context)
        body = render_to_string("challenge/email/guardian_message.txt", context)
    return EmailMultiAlternatives(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body=body,
        to=[consent.guardian_email],
    )


def _guardian_notice(
    name: str, *, consent: GuardianConsent, link: str, **extra
) -> EmailMultiAlternatives:
    entry = consent.entry
    with translation.override(entry.participant.language or settings.LANGUAGE_CODE):
        context = {
            **extra,
            "entry": entry,
            "handle": entry.participant.handle,
            "link": link,
            "gallery_url": settings.SITE_URL + reverse("gallery:list"),
            "entry_url": settings.SITE_URL + entry.get_absolute_url(),
            **_who_runs_this(),
        }
        subject, body = _render(f"challenge/email/{name}", context)
    return _automatic(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=body,
        to=[consent.guardian_email],
    )


def guardian_confirmed_message(
    *, consent: GuardianConsent, link: str
) -> EmailMultiAlternatives:
    """After the guardian's "yes": what happens next, and the standing link to
    withdraw the entry at any time."""
    return _guardian_notice("guardian_confirmed", consent=consent, link=link)


def guardian_follow_up_message(
    *, consent: GuardianConsent, link: str
) -> EmailMultiAlternatives:
    """A day after the "yes" ("e-mail plus"): what the guardian agreed to, when and
    from which kind of device, and the withdraw link, in case it was not them."""
    return _guardian_notice(
        "guardian_follow_up",
        consent=consent,
        link=link,
        agreed_at=consent.decided_at,
        # The lazy label: translated below, in the guardian's language.
        device=DeviceKind(consent.answered_device).label
        if consent.answered_device and consent.answered_device != DeviceKind.UNKNOWN
        else "",
    )


def guardian_published_message(
    *, consent: GuardianConsent, link: str
) -> EmailMultiAlternatives:
    """The entry the guardian agreed to is now public; the withdraw link again."""
    return _guardian_notice("guardian_published", consent=consent, link=link)


def moderation_notice_message(*, notice: ModerationNotice) -> EmailMultiAlternatives:
    """Tells the participant about one decision (approved, or not and why)."""
    event = notice.event
    entry = event.entry
    participant = entry.participant
    with translation.override(participant.language or settings.LANGUAGE_CODE):
        context = {
            "participant": participant,
            "entry": entry,
            "entry_url": settings.SITE_URL + entry.get_absolute_url(),
            "challenge_url": settings.SITE_URL + reverse("challenge:index"),
            "help_url": settings.SITE_URL + reverse("campaign:help"),
            "reason": RejectReason(event.reason).label
            if event.reason in RejectReason.values
            else "",
            "helplines": list(helplines_for(participant.country)),
            "helpline_directory_url": HELPLINE_DIRECTORY_URL,
            **_who_runs_this(),
        }
        subject, body = _render(f"gallery/email/entry_{notice.kind}", context)
    return _automatic(subject=subject, body=body, to=[participant.user.email])


def report_burst_message(*, entry, recipients: list[str]) -> EmailMultiAlternatives:
    """Tells the moderators that many reports arrived for one entry in a short time."""
    window = settings.MODERATION_BURST_MINUTES
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "entry": entry,
            "handle": entry.participant.handle,
            "count": entry.report_count,
            "minutes": window,
            "state": entry.get_state_display(),
            "review_url": settings.SITE_URL
            + reverse("admin:challenge_entry_change", args=[entry.pk]),
            "reports_url": settings.SITE_URL
            + reverse("admin:challenge_report_changelist")
            + f"?entry__id__exact={entry.pk}",
        }
        subject, body = _render("gallery/email/report_burst", context)
    return _automatic(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=body,
        to=recipients,
    )


def note_report_burst_message(
    *, note, one_network: int, recipients: list[str]
) -> EmailMultiAlternatives:
    """Tells the moderators that many reports arrived for one note in a short time;
    `one_network`: how many of them came from new accounts on one network."""
    window = settings.MODERATION_BURST_MINUTES
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "note": note,
            "handle": note.author.handle,
            "count": note.report_count,
            "one_network": one_network,
            "minutes": window,
            "state": note.get_state_display(),
            "review_url": settings.SITE_URL
            + reverse("admin:challenge_note_change", args=[note.pk]),
        }
        subject, body = _render("gallery/email/note_report_burst", context)
    return _automatic(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=body,
        to=recipients,
    )


def notes_guardian_message(*, row, link: str) -> EmailMultiAlternatives:
    """Asks a parent or guardian to agree that people may write notes under the
    participant's gallery entries."""
    participant = row.participant
    with translation.override(participant.language or settings.LANGUAGE_CODE):
        context = {
            "handle": participant.handle,
            "link": link,
            "days": settings.GUARDIAN_LINK_MAX_AGE_DAYS,
            "site_url": settings.SITE_URL,
            **_who_runs_this(),
        }
        subject, body = _render("challenge/email/notes_guardian", context)
    return _automatic(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=body,
        to=[row.guardian_email],
    )


def notes_digest_message(*, digest, unsubscribe_url: str) -> EmailMultiAlternatives:
    """Once a day at most: how many new notes the participant's entries received."""
    participant = digest.participant
    with translation.override(participant.language or settings.LANGUAGE_CODE):
        context = {
            "handle": participant.handle,
            "count": digest.count,
            "my_entries_url": settings.SITE_URL + reverse("challenge:my_entries"),
            "unsubscribe_url": unsubscribe_url,
            **_who_runs_this(),
        }
        subject, body = _render("challenge/email/notes_digest", context)
    message = _automatic(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=body,
        to=[participant.user.email],
    )
    message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    return message
