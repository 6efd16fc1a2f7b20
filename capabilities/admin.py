"""Django admin for every model, arranged for a non-developer administrator.

Framework content and countries are edited here; answers and histories are read-only (history
cannot be edited through the app).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    Answer,
    AnswerChange,
    AnswerOption,
    Assessment,
    Capability,
    CapabilityPhase,
    Country,
    Cycle,
    Domain,
    FrameworkVersion,
    MaturityPhase,
    Participation,
    Profile,
    Question,
    ReviewComment,
    StatusChange,
    cycle_date,
)

admin.site.site_header = _("MRN Assess administration")
admin.site.site_title = _("MRN Assess")
admin.site.index_title = _("Frameworks, cycles, countries and users")


class ReadOnlyAdminMixin:
    """Rows that only the application writes (answers, histories): viewable, never editable."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# --- Framework ----------------------------------------------------------------------------------


def _framework_id(obj: object) -> int | None:
    if isinstance(obj, FrameworkVersion):
        return obj.pk
    if isinstance(obj, CapabilityPhase):
        return obj.capability.framework_id
    if isinstance(obj, AnswerOption):
        return obj.question.framework_id
    return getattr(obj, "framework_id", None)


if TYPE_CHECKING:  # the admin classes these mixins are mixed into, for super()'s methods
    _ModelAdminBase = admin.options.BaseModelAdmin[Any]
    _InlineBase = admin.options.InlineModelAdmin[Any, Any]
else:
    _ModelAdminBase = _InlineBase = object


class FrameworkInUseMixin(_ModelAdminBase):
    """A framework version used by a cycle with answers is read-only here too: it is superseded
    by a new version (docs/framework-format.md), never changed."""

    def _in_use(self, obj: object) -> bool:
        from .framework_file import framework_in_use

        framework_id = _framework_id(obj) if obj is not None else None
        return framework_id is not None and framework_in_use(framework_id)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not self._in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not self._in_use(obj) and super().has_delete_permission(request, obj)


class FrameworkInUseInlineMixin(FrameworkInUseMixin, _InlineBase):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not self._in_use(obj) and super().has_add_permission(request, obj)


class MaturityPhaseInline(FrameworkInUseInlineMixin, admin.TabularInline):
    model = MaturityPhase
    extra = 0


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(FrameworkInUseMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr", "created_at"]
    search_fields = ["code", "name_en", "name_fr"]
    inlines = [MaturityPhaseInline]


@admin.register(MaturityPhase)
class MaturityPhaseAdmin(FrameworkInUseMixin, admin.ModelAdmin):
    list_display = ["framework", "number", "name_en", "name_fr"]
    list_filter = ["framework"]


@admin.register(Domain)
class DomainAdmin(FrameworkInUseMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["code", "name_en", "name_fr"]


class CapabilityPhaseInline(FrameworkInUseInlineMixin, admin.TabularInline):
    model = CapabilityPhase
    extra = 0


@admin.register(Capability)
class CapabilityAdmin(FrameworkInUseMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr", "domain", "framework"]
    list_filter = ["framework", "domain"]
    search_fields = ["code", "name_en", "name_fr"]
    inlines = [CapabilityPhaseInline]
    list_select_related = ["domain", "framework"]


@admin.register(CapabilityPhase)
class CapabilityPhaseAdmin(FrameworkInUseMixin, admin.ModelAdmin):
    list_display = ["capability", "number"]
    list_filter = ["capability__framework", "number"]
    list_select_related = ["capability"]


class AnswerOptionInline(FrameworkInUseInlineMixin, admin.TabularInline):
    model = AnswerOption
    extra = 0


@admin.register(Question)
class QuestionAdmin(FrameworkInUseMixin, admin.ModelAdmin):
    list_display = ["code", "kind", "required", "is_headline", "capability", "framework"]
    list_filter = ["framework", "kind", "required", "is_headline", "capability__domain"]
    search_fields = ["code", "text_en", "text_fr"]
    inlines = [AnswerOptionInline]
    list_select_related = ["capability", "framework"]


@admin.register(AnswerOption)
class AnswerOptionAdmin(FrameworkInUseMixin, admin.ModelAdmin):
    list_display = ["question", "code", "label_en", "label_fr", "order"]
    search_fields = ["code", "label_en", "label_fr", "question__code"]
    list_select_related = ["question"]


# --- Countries and cycles ----------------------------------------------------------------------


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_fr", "code", "kind", "shares_profile"]
    list_filter = ["kind", "shares_profile"]
    search_fields = ["code", "name_en", "name_fr"]


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 1
    autocomplete_fields = ["country"]


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "framework", "opens_on", "deadline", "is_illustrative"]
    list_filter = ["framework", "is_illustrative"]
    search_fields = ["code", "name_en", "name_fr"]
    inlines = [ParticipationInline]


class CycleColumn:
    """The cycle as a list column that sorts by the cycle's date both ways (sorting by the
    relation itself gives newest first in both directions: models.cycles_newest_first)."""

    @admin.display(description=_("assessment cycle"), ordering=cycle_date("cycle__"))
    def cycle_column(self, obj: Participation | Assessment) -> Cycle:
        return obj.cycle


@admin.register(Participation)
class ParticipationAdmin(CycleColumn, admin.ModelAdmin):
    list_display = ["country", "cycle_column", "income_group", "region", "survey"]
    list_filter = ["cycle", "income_group", "region", "survey"]
    search_fields = ["country__name_en", "country__code"]
    autocomplete_fields = ["country"]
    list_select_related = ["country", "cycle"]


# --- Assessments -------------------------------------------------------------------------------


class StatusChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["changed_at", "from_status", "to_status", "reason", "changed_by"]
    fields = tuple(readonly_fields)


@admin.register(Assessment)
class AssessmentAdmin(CycleColumn, admin.ModelAdmin):
    list_display = [
        "country",
        "cycle_column",
        "status",
        "submitted_at",
        "validated_at",
        "updated_at",
    ]
    list_filter = ["cycle", "status"]
    search_fields = ["country__name_en", "country__code"]
    autocomplete_fields = ["country"]
    readonly_fields = ["status", "submitted_at", "validated_at", "created_at", "updated_at"]
    inlines = [StatusChangeInline]
    list_select_related = ["country", "cycle"]

    def get_readonly_fields(self, request: HttpRequest, obj: Assessment | None = None) -> list[str]:
        # Status moves only through the workflow (submit, return, validate), which records why.
        if obj is None:
            return ["submitted_at", "validated_at", "created_at", "updated_at", "status"]
        return [*self.readonly_fields, "country", "cycle"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["assessment", "question", "value", "version", "updated_by", "updated_at"]
    list_filter = ["assessment__cycle", "question__capability__domain"]
    search_fields = ["assessment__country__name_en", "question__code"]
    list_select_related = ["assessment__country", "assessment__cycle", "question", "updated_by"]


@admin.register(AnswerChange)
class AnswerChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "answer",
        "version",
        "old_value",
        "new_value",
        "changed_by",
        "changed_at",
        "source",
    ]
    list_filter = ["source"]
    search_fields = ["answer__question__code", "answer__assessment__country__name_en"]
    list_select_related = [
        "answer__assessment__country",
        "answer__assessment__cycle",
        "answer__question",
        "changed_by",
    ]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["assessment", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status"]
    list_select_related = ["assessment__country", "assessment__cycle", "changed_by"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["assessment", "question", "author", "created_at"]
    list_select_related = ["assessment__country", "assessment__cycle", "question", "author"]


# --- Users -------------------------------------------------------------------------------------


class ProfileForm(forms.ModelForm):
    domain_codes = forms.MultipleChoiceField(
        label=_("Domains (contributors only)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The domains a contributor may edit."),
    )

    class Meta:
        model = Profile
        fields = ["role", "country", "domain_codes", "language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = Domain.objects.order_by("code").values_list("code", "name_en").distinct()
        seen: dict[str, str] = {}
        for code, name in codes:
            seen.setdefault(code, f"{code} {name}")
        field = self.fields["domain_codes"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = sorted(seen.items())

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        role, country = data.get("role"), data.get("country")
        if role in ("focal_point", "contributor") and country is None:
            self.add_error("country", _("A focal point or contributor needs a country."))
        if role not in ("focal_point", "contributor") and country is not None:
            self.add_error("country", _("Only focal points and contributors have a country."))
        if role == "contributor" and not data.get("domain_codes"):
            self.add_error("domain_codes", _("Choose at least one domain for a contributor."))
        if role != "contributor":
            data["domain_codes"] = []
        return data


class ProfileInline(admin.StackedInline):
    model = Profile
    form = ProfileForm
    can_delete = False
    autocomplete_fields = ["country"]
    verbose_name_plural = _("role and country")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class MrnUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "role", "country", "is_active"]
    list_filter = ["profile__role", "is_superuser", "is_active"]
    list_select_related = ["profile__country"]
    actions = ["resend_invitation"]

    @admin.action(
        description=_("Send the invitation again (people who have not chosen a password)")
    )
    def resend_invitation(self, request: HttpRequest, queryset: QuerySet) -> None:
        """The secretariat's re-send: the same e-mail as the focal point's Team page."""
        from .team_views import send_invitation

        sent = 0
        for user in queryset.select_related("profile__country"):
            if not user.is_active or user.has_usable_password():
                continue
            profile = getattr(user, "profile", None)
            country = profile.country.name if profile and profile.country else ""
            send_invitation(request, user, country)
            sent += 1
        self.message_user(
            request,
            ngettext(
                "The invitation went again to %(count)s person.",
                "The invitation went again to %(count)s people.",
                sent,
            )
            % {"count": sent},
        )

    @admin.display(description=_("role"))
    def role(self, obj: object) -> str:
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else ""

    @admin.display(description=_("country"))
    def country(self, obj: object) -> str:
        profile = getattr(obj, "profile", None)
        return str(profile.country) if profile and profile.country else ""
