from django.contrib import admin

from lodestar.core.models import CompanySettings, Period


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "start", "end", "fiscal_year", "is_closed"]
    list_filter = ["kind", "fiscal_year", "is_closed"]
    search_fields = ["name", "key"]


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    list_display = ["company_name", "fiscal_year_start_month", "demo_seeded_at"]
