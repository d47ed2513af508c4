from django.urls import path

from lodestar.metrics import verification_views as views

app_name = "verification"

urlpatterns = [
    path("", views.discrepancy_list, name="list"),
    path("<int:pk>/", views.discrepancy_detail, name="detail"),
    path("<int:pk>/settle/", views.discrepancy_settle, name="settle"),
    path("spot-checks/new/", views.spot_check_create, name="spot_check_create"),
]
