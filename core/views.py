from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.models import Document, GlossaryTerm, User


@login_required
def glossary(request):
    query = request.GET.get("q", "").strip()
    terms = GlossaryTerm.objects.select_related("document")
    if query:
        terms = terms.filter(Q(acronym__icontains=query) | Q(meaning__icontains=query))
    page = Paginator(terms, 50).get_page(request.GET.get("page"))
    return render(request, "core/glossary.html", {"page": page, "query": query})


@login_required
def document(request, code: str):
    """The source text with numbered, linkable lines (``#L214``), so a flagged figure can be traced."""
    doc = get_object_or_404(Document, code=code)
    highlight = {int(n) for n in request.GET.get("lines", "").split(",") if n.isdigit()}
    lines = [(i, text, i in highlight) for i, text in enumerate(doc.text.splitlines(), start=1)]
    return render(request, "core/document.html", {"document": doc, "lines": lines})


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
    return render(request, "core/preferences.html", {"form": form})
