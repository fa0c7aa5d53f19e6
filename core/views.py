from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from core.models import Document, GlossaryTerm


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
