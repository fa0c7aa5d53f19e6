from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from agreements.access import get_document_for_user_or_404
from core.models import GlossaryTerm, User


@login_required
@require_safe
def glossary(request):
    query = request.GET.get("q", "").strip()
    terms = GlossaryTerm.objects.select_related("document")
    if query:
        terms = terms.filter(Q(acronym__icontains=query) | Q(meaning__icontains=query))
    page = Paginator(terms, 50).get_page(request.GET.get("page"))
    return render(request, "core/glossary.html", {"page": page, "query": query})


@login_required
@require_safe
def document(request, code: str):
    """The source text with numbered, linkable lines (``#L214``), so a flagged figure can be traced.

    Open to the participants of the programmes that cite it; lines the programme keeps from a partner
    (other partners' table rows) are shown as withheld, keeping the numbering.
    """
    view, _can_write = get_document_for_user_or_404(request.user, code)
    doc, hidden = view.document, view.hidden_lines
    highlight = {int(n) for n in request.GET.get("lines", "").split(",") if n.isdigit()}
    lines = [
        (i, None if i in hidden else text, i in highlight)
        for i, text in enumerate(doc.text.splitlines(), start=1)
    ]
    return render(
        request, "core/document.html", {"document": doc, "lines": lines, "hidden_count": len(hidden)}
    )


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
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
