from django.urls import path

from lodestar.dashboards import views

# No namespace: the home page has been `{% url "home" %}` since the first release.
urlpatterns = [
    path("", views.home, name="home"),
]
