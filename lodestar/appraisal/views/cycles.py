from __future__ import annotations

from django.urls import path  # noqa: F401 (the module's pages are added below)

urlpatterns: list = []
