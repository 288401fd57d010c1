from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from oneway.accounts.roles import Role


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    privacy_contact = models.EmailField(_("privacy contact"), blank=True)
    # Days after an interview closes before candidates' videos are deleted (0 = keep).
    retention_days = models.PositiveIntegerField(_("retention (days)"), default=180)
    # Branding shown to candidates (oneway.core.branding): the logo is a re-encoded PNG in
    # media storage under a name with a random part (its public URL is unguessable and
    # changes with every upload), and the accent colour passes WCAG AA contrast.
    logo = models.CharField(_("logo"), max_length=200, blank=True)
    logo_width = models.PositiveSmallIntegerField(default=0)
    logo_height = models.PositiveSmallIntegerField(default=0)
    accent_colour = models.CharField(_("accent colour"), max_length=7, blank=True)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organisation}"


class MemberInvite(models.Model):
    """An invitation for a colleague to join the organisation; accepted via a token link."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="member_invites"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} -> {self.organisation}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now()
