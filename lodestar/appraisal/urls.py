"""Pages of appraisal: each views module lists its own paths (setup, cycles, reviews, outcomes)."""

from lodestar.appraisal.views import cycles, outcomes, reviews, setup

app_name = "appraisal"

urlpatterns = [*setup.urlpatterns, *cycles.urlpatterns, *reviews.urlpatterns, *outcomes.urlpatterns]
