"""The rules a participant or a guardian can hit; each carries the message shown."""

from http import HTTPStatus

from django.utils.translation import gettext_lazy as _


class ChallengeError(Exception):
    """A rule the participant (or guardian) hit; `message` is shown to them."""

    code = "error"
    message = _("Something went wrong. Please try again.")
    # The answer to a form refused for this reason.
    status = HTTPStatus.FORBIDDEN

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class CampaignNotLive(ChallengeError):
    code = "not_live"
    message = _(
        "The challenge is not open for entries right now. Check the dates on the "
        "challenge page."
    )


class DailyLimitReached(ChallengeError):
    code = "daily_limit"

    def __init__(self, limit: int):
        super().__init__(
            _(
                "You have sent %(limit)s entries in the last 24 hours, the most we "
                "accept in a day. Thank you for your energy! Please come back tomorrow."
            )
            % {"limit": limit}
        )


class TooYoung(ChallengeError):
    code = "too_young"
    message = _("You need to be at least 13 years old to take part.")


class GuardianRequired(ChallengeError):
    code = "guardian_required"
    message = _("Please give the email address of a parent or guardian.")


class GuardianIsParticipant(ChallengeError):
    code = "guardian_is_participant"
    message = _(
        "This address reaches your own mailbox: for us, every way of writing one "
        "address is the same (capital letters, dots, a +tag, quotes, comments). A "
        "parent or guardian has to answer from their own address, so please ask "
        "them for it."
    )


class UnclearMailbox(ChallengeError):
    """An address `challenge.mailboxes` cannot read as one mailbox."""

    code = "unclear_mailbox"
    status = HTTPStatus.BAD_REQUEST
    message = _(
        "We cannot tell which mailbox this address reaches. Please write it the "
        "usual way, like name@example.com."
    )


class ConsentFromParticipant(ChallengeError):
    code = "own_account"
    message = _(
        "This answer must come from a parent or guardian, not from the account that "
        "made the entry. Nothing was recorded."
    )


class ConsentFromParticipantDevice(ConsentFromParticipant):
    """The browser the participant signed in or uploaded from, logged out since."""

    code = "own_device"
    message = _(
        "This answer must come from a parent's or guardian's own phone or computer. "
        "This browser was used by the account that made the entry, and logging out "
        "does not change that. Nothing was recorded."
    )


class NudgeAlreadyDecided(ChallengeError):
    code = "nudge_decided"
    message = _("You have already made your choice for this video.")


class GuardianLinkError(ChallengeError):
    messages = {
        "invalid": _(
            "This link is not valid. Please use the link exactly as it appears in "
            "the email."
        ),
        "expired": _(
            "This link has expired. Your child can send you a new one from “My "
            "entries”."
        ),
        "used": _("This link has already been used: your answer was recorded."),
        # The signature is good but the state the link was issued for has changed
        # (core.links): a newer email, a changed choice, another address.
        "stale": _(
            "This link is no longer valid: things have changed since this email was "
            "sent. Nothing was recorded."
        ),
        "closed": _(
            "This entry is no longer waiting for an answer (it was withdrawn or "
            "could not be processed)."
        ),
    }

    def __init__(self, code: str):
        self.code = code
        super().__init__(self.messages[code])


class GuardianMailLimit(ChallengeError):
    """Every mail the site sends to a parent or guardian on a participant's behalf
    counts against one limit per participant, whatever the address (challenge.
    services.guardian_mails)."""

    code = "guardian_mail_limit"
    message = _(
        "We have sent several emails to a parent or guardian for you in a short "
        "time. To protect their inbox, please wait a few hours before asking again."
    )


class NotesClosed(ChallengeError):
    # The same words whether the owner closed notes or blocked this writer: a
    # blocked writer is never told.
    code = "notes_closed"
    message = _("Notes are closed on this entry.")


class NoteInvalid(ChallengeError):
    code = "note_invalid"


class NoteDuplicate(ChallengeError):
    code = "note_duplicate"
    message = _("You have already written this note. Try saying it in new words!")


class NoteGone(ChallengeError):
    code = "note_gone"
    message = _("This note is no longer here.")


class UploadTooLarge(ChallengeError):
    code = "upload_too_large"

    def __init__(self, max_bytes: int):
        super().__init__(
            _(
                "This file is larger than %(size)s MB, the most we accept. Please "
                "choose a shorter or smaller video."
            )
            % {"size": max_bytes // (1024 * 1024)}
        )


class UploadEmpty(ChallengeError):
    code = "upload_empty"
    message = _("The file you chose is empty. Please choose your video again.")


class UploadNotFound(ChallengeError):
    """No such upload for this participant (another one's id looks the same)."""

    code = "upload_not_found"
    message = _(
        "We could not find this upload any more. Please choose your video and send "
        "it again."
    )


class UploadExpired(UploadNotFound):
    code = "upload_expired"
    message = _(
        "This upload waited too long and was deleted. Please choose your video and "
        "send it again."
    )


class UploadOffsetConflict(ChallengeError):
    """The client's idea of how much arrived differs from ours (tus: 409)."""

    code = "upload_offset"
    message = _("The upload got out of step. It starts again from where it stopped.")

    def __init__(self, offset: int):
        self.offset = offset
        super().__init__()


class UploadBusy(ChallengeError):
    """Another request is writing this upload right now (tus: 423)."""

    code = "upload_busy"
    message = _("This upload is already being sent. Please wait a moment.")


class UploadsFull(ChallengeError):
    """The site's open uploads hold all the room they may (tus: 503, Retry-After)."""

    code = "uploads_full"
    status = HTTPStatus.SERVICE_UNAVAILABLE
    retry_after_seconds = 900
    message = _(
        "So many videos are on their way to us right now that there is no room for "
        "yours yet. Nothing was sent. Please try again later."
    )


class UploadNoRoom(ChallengeError):
    """The disk filled up while the video was written: nothing of it was kept
    (503, Retry-After)."""

    code = "no_room"
    status = HTTPStatus.SERVICE_UNAVAILABLE
    retry_after_seconds = 900
    message = _("There is no room for new videos right now. Please try again later.")


class UploadIncomplete(ChallengeError):
    code = "upload_incomplete"
    message = _(
        "Your video has not finished uploading yet. Please wait until it has, then "
        "send the form again."
    )


class UploadNotStored(ChallengeError):
    code = "not_stored"
    status = HTTPStatus.SERVICE_UNAVAILABLE
    message = _(
        "We could not save your video just now: our storage did not answer. Nothing "
        "was sent. Please try again in a minute."
    )


class StaffAccountKept(ChallengeError):
    """A staff account's decisions stay attributed: it is not deleted by "delete my
    account" (an administrator closes it, deactivating it)."""

    code = "staff_account_kept"
    message = _(
        "This is a staff account. So that the decisions made with it stay "
        "attributed, only an administrator of the site can close it."
    )
