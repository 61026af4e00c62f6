from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from challenge.views import participants as challenge_participants
from core import accounts as core_accounts
from core import cards as core_cards
from core import metrics as core_metrics
from core import views as core_views
from core.ratelimit import login_failures_limited

from . import views

handler429 = "core.views.too_many_requests"
handler500 = "core.views.server_error"

admin.site.site_header = _("Kindness Hub: moderation and content")
admin.site.site_title = _("Kindness Hub admin")
admin.site.index_title = _("Moderation and content")

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    # Pages without the site's <link rel="icon"> (the admin) ask for this one.
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("metrics", core_metrics.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The short link on the wall's QR code (no language prefix: it picks one).
    path("join", challenge_participants.join, name="join"),
    path("v/", include("videos.urls")),
]

urlpatterns += i18n_patterns(
    path(
        "admin/login/",
        login_failures_limited("admin_login")(admin.site.login),
        name="admin_login_limited",
    ),
    path("admin/", admin.site.urls),
    path(
        "accounts/confirm-email/resend/",
        core_accounts.verification_resend,
        name="account_verification_resend",
    ),
    path("accounts/", include("allauth.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("stories/", include("stories.urls")),
    path("challenge/", include("challenge.urls")),
    path("gallery/", include("challenge.gallery_urls")),
    path(
        "cards/<slug:kind>/<str:key>/<slug:version>.jpg",
        core_cards.card_view,
        name="share_card",
    ),
    path("", views.home, name="home"),
    path("partners/toolkit/", views.partner_toolkit, name="partner_toolkit"),
    path("", include("campaign.urls")),
    prefix_default_language=True,
)

if settings.BENCH_PING:
    urlpatterns.insert(0, path("bench/ping", core_views.bench_ping))

if settings.SERVE_PUBLIC_MEDIA:
    from django.urls import re_path
    from django.views.static import serve

    media_prefix = settings.MEDIA_URL.strip("/")
    urlpatterns.append(
        re_path(
            rf"^{media_prefix}/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
