from django.contrib import admin

from core.admin import FiguresAdminMixin
from reports.models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(FiguresAdminMixin, admin.ModelAdmin):
    size_fields = ("size",)
    list_display = ["created_at", "user", "kind", "programme", "language", "file_name", "status", "size"]
    list_filter = ["kind", "status", "language"]
    search_fields = ["file_name", "user__username", "fingerprint", "task_id"]
    list_select_related = ["user", "programme"]
    readonly_fields = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
