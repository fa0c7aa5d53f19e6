import logging
from datetime import UTC, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe
from django_tasks_db.models import DBTaskResult, get_date_max

from core.jobs import worker_seen_since
from core.models import GlossaryTerm, User

logger = logging.getLogger(__name__)


@login_required
@require_safe
def glossary(request):
    query = request.GET.get("q", "").strip()
    terms = GlossaryTerm.objects.select_related("document")
    if query:
        terms = terms.filter(Q(acronym__icontains=query) | Q(meaning__icontains=query))
    page = Paginator(terms, 50).get_page(request.GET.get("page"))
    page_query = urlencode({"q": query}) if query else ""
    return render(request, "core/glossary.html", {"page": page, "query": query, "page_query": page_query})


@require_GET
def healthz(request):
    """For the load balancer and the monitoring: the database answers and a task worker is about.

    django-tasks-db keeps no worker heartbeat, so a worker counts as seen when it started or finished a
    task within WORKER_STALE_SECONDS, and as not needed when no task has waited that long. At most two
    queries; plain text, no login.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    try:
        waiting = (
            DBTaskResult.objects.ready()
            .filter(Q(run_after=get_date_max()) | Q(run_after__lt=cutoff), enqueued_at__lt=cutoff)
            .aggregate(count=Count("pk"), since=Min("enqueued_at"))
        )
        worker_seen = not waiting["count"] or worker_seen_since(cutoff)
    except DatabaseError:
        logger.exception("Health check: the database did not answer.")
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    if not worker_seen:
        since = waiting["since"].astimezone(UTC).isoformat(timespec="seconds")
        return HttpResponse(
            f"worker not seen: {waiting['count']} tasks waiting since {since}",
            content_type="text/plain",
            status=503,
        )
    return HttpResponse("ok", content_type="text/plain")


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "number_format"]


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences were saved."))
        return redirect("core:preferences")
    memberships = request.user.memberships.select_related("programme", "organisation")
    return render(request, "core/preferences.html", {"form": form, "memberships": memberships})
