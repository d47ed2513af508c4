from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "lodestar.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from lodestar.org import setup
        from lodestar.org.models import Department, Person

        # The first-run middleware stops asking the database once the organisation exists.
        for model in (Department, Person):
            post_save.connect(
                setup.mark_organisation_exists, sender=model, dispatch_uid=f"org-exists-{model.__name__}"
            )
