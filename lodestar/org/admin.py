from django.contrib import admin

from lodestar.org.models import ApiToken, Department, Person


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "manager", "depth", "is_active"]
    search_fields = ["name", "code"]
    list_filter = ["is_active", "depth"]
    readonly_fields = ["path", "depth", "version"]
    autocomplete_fields = ["parent", "manager"]

    def save_model(self, request, obj, form, change):
        # Keep the materialised path right: go through the service for moves and creation.
        from lodestar.org import services

        if not change:
            created = services.department_create(
                actor=request.user,
                name=obj.name,
                parent=obj.parent,
                code=obj.code,
                manager=obj.manager,
                sort_order=obj.sort_order,
            )
            obj.pk = created.pk
        else:
            services.department_update(
                actor=request.user,
                department=obj,
                name=obj.name,
                code=obj.code,
                parent=obj.parent,
                manager=obj.manager,
                sort_order=obj.sort_order,
                is_active=obj.is_active,
            )


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "department", "title", "role", "manager", "is_active"]
    search_fields = ["display_name", "user__username", "title"]
    list_filter = ["role", "is_active"]
    autocomplete_fields = ["user", "department", "manager"]
    list_select_related = ["user", "department", "manager"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "person", "prefix", "scope", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "token_hash", "last_used_at"]
    list_select_related = ["person"]
