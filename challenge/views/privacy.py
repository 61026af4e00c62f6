"""A participant's own data: what we keep, a download of it, deleting the account."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..errors import StaffAccountKept
from ..forms import AccountDeleteForm
from ..services import privacy


@never_cache
@login_required
def my_data(request):
    """What we keep about you, a download of it, and deleting your account."""
    return render(
        request,
        "challenge/my_data.html",
        {"retention": privacy.retention_days()},
    )


@never_cache
@require_POST
@login_required
def my_data_download(request):
    path = privacy.participant_export_zip(user=request.user)
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data readable until it is sent
    return FileResponse(
        handle,
        as_attachment=True,
        filename="kindness-hub-my-data.zip",
        content_type="application/zip",
    )


@never_cache
@login_required
def account_delete(request):
    if request.user.is_staff or request.user.is_superuser:
        return render(
            request,
            "challenge/account_delete.html",
            {"staff_kept": StaffAccountKept.message},
            status=HTTPStatus.FORBIDDEN,
        )
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        privacy.account_delete(user=request.user)
        logout(request)
        messages.success(
            request,
            _("Your account, your entries and all their files have been deleted."),
        )
        return redirect("home")
    return render(request, "challenge/account_delete.html", {"form": form})
