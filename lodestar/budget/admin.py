from django.contrib import admin

from lodestar.budget.models import BudgetCategory


@admin.register(BudgetCategory)
class BudgetCategoryAdmin(admin.ModelAdmin):
    """The budget categories (渠道投放, 内容生产 …): admins add, rename, reorder and retire them."""

    list_display = ("code", "name", "name_en", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    ordering = ("sort_order", "id")
