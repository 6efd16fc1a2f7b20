from django.contrib import admin

from .models import BulkExport


@admin.register(BulkExport)
class BulkExportAdmin(admin.ModelAdmin):
    list_display = ("pk", "cycle", "lang", "requested_by", "status", "done", "total", "created_at")
    list_filter = ("status", "lang", "cycle")
    readonly_fields = (
        "cycle",
        "lang",
        "requested_by",
        "status",
        "done",
        "total",
        "file",
        "error",
        "task_id",
        "created_at",
        "finished_at",
    )
    list_select_related = ("cycle", "requested_by")

    def has_add_permission(self, request: object) -> bool:
        return False
