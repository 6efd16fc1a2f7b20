"""The data of MRN Assess: framework versions, countries, cycles, assessments, answers, history.

Reference data (frameworks, domains, capabilities, questions, countries, cycles) has natural keys so
fixtures and imports never carry primary keys. Invariants are database constraints named
``capabilities_<model>_<rule>``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OrderBy, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from . import labels

PHASE_NUMBERS = (1, 2, 3, 4)


class Bilingual(models.Model):
    """Adds ``tr(field)``: the French or English value of ``field_fr``/``field_en``, by the
    language rule of ``capabilities.labels`` (French missing → English)."""

    class Meta:
        abstract = True

    def tr(self, field: str, lang: str | None = None) -> str:
        return labels.tr(self, field, lang)

    @property
    def name(self) -> str:
        return self.tr("name")


# ---------------------------------------------------------------------------------------------
# Framework


class FrameworkVersionManager(models.Manager["FrameworkVersion"]):
    def get_by_natural_key(self, code: str) -> FrameworkVersion:
        return self.get(code=code)


class FrameworkVersion(Bilingual):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    consistency_rules = models.JSONField(
        _("consistency rules"),
        default=list,
        blank=True,
        help_text=_(
            "Answers that usually do not go together, checked on the check-answers and review "
            "pages (capabilities/consistency.py); they warn and never block saving."
        ),
    )

    objects = FrameworkVersionManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")

    def __str__(self) -> str:
        return self.code

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class MaturityPhaseManager(models.Manager["MaturityPhase"]):
    def get_by_natural_key(self, framework: str, number: int) -> MaturityPhase:
        return self.get(framework__code=framework, number=number)


class MaturityPhase(Bilingual):
    """One of the four generic maturity phases of a framework version (1 building … 4 mature)."""

    framework = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(
        _("phase"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)

    objects = MaturityPhaseManager()

    class Meta:
        ordering = ["framework", "number"]
        verbose_name = _("maturity phase")
        verbose_name_plural = _("maturity phases")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "number"], name="capabilities_maturityphase_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=4),
                name="capabilities_maturityphase_number_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name_en}"

    def natural_key(self) -> tuple[str, int]:
        return (self.framework.code, self.number)

    natural_key.dependencies = ["capabilities.frameworkversion"]  # type: ignore[attr-defined]  # read by Django's serializers


class DomainManager(models.Manager["Domain"]):
    def get_by_natural_key(self, framework: str, code: str) -> Domain:
        return self.get(framework__code=framework, code=code)


class Domain(Bilingual):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="domains"
    )
    code = models.CharField(_("code"), max_length=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)

    objects = DomainManager()

    class Meta:
        ordering = ["framework", "order", "code"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="capabilities_domain_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    def natural_key(self) -> tuple[str, str]:
        return (self.framework.code, self.code)

    natural_key.dependencies = ["capabilities.frameworkversion"]  # type: ignore[attr-defined]  # read by Django's serializers


class CapabilityManager(models.Manager["Capability"]):
    def get_by_natural_key(self, framework: str, code: str) -> Capability:
        return self.get(framework__code=framework, code=code)


class Capability(Bilingual):
    """One of the framework's capabilities (C01…C21 in the 2016 MNR).

    ``framework`` repeats ``domain.framework`` so the database can keep codes unique per framework.
    """

    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="capabilities"
    )
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="capabilities")
    code = models.CharField(_("code"), max_length=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    in_place_en = models.TextField(_("what counts as in place (English)"), blank=True)
    in_place_fr = models.TextField(_("what counts as in place (French)"), blank=True)

    objects = CapabilityManager()

    class Meta:
        ordering = ["framework", "order", "code"]
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="capabilities_capability_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    def natural_key(self) -> tuple[str, str]:
        return (self.framework.code, self.code)

    natural_key.dependencies = ["capabilities.domain"]  # type: ignore[attr-defined]  # read by Django's serializers


class CapabilityPhaseManager(models.Manager["CapabilityPhase"]):
    def get_by_natural_key(self, framework: str, capability: str, number: int) -> CapabilityPhase:
        return self.get(
            capability__framework__code=framework, capability__code=capability, number=number
        )


class CapabilityPhase(Bilingual):
    """What maturity phase ``number`` looks like for one capability."""

    capability = models.ForeignKey(Capability, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(
        _("phase"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    description_en = models.TextField(_("description (English)"))
    description_fr = models.TextField(_("description (French)"))

    objects = CapabilityPhaseManager()

    class Meta:
        ordering = ["capability", "number"]
        verbose_name = _("capability maturity phase")
        verbose_name_plural = _("capability maturity phases")
        constraints = [
            models.UniqueConstraint(
                fields=["capability", "number"], name="capabilities_capabilityphase_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=4),
                name="capabilities_capabilityphase_number_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.capability.code} phase {self.number}"

    def natural_key(self) -> tuple[str, str, int]:
        return (*self.capability.natural_key(), self.number)

    natural_key.dependencies = ["capabilities.capability"]  # type: ignore[attr-defined]  # read by Django's serializers


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no / don't know")
    MATURITY = "maturity", _("Maturity phase (1–4)")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Free text")


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    DONT_KNOW = "dont_know", _("Don't know")


class QuestionQuerySet(QuerySet["Question"]):
    def for_framework(self, framework: FrameworkVersion | int) -> QuestionQuerySet:
        return self.filter(framework=framework)

    def headline(self) -> QuestionQuerySet:
        """The ``Cnn.in_place`` questions that feed the Figure 1 matrix."""
        return self.filter(is_headline=True)

    def with_structure(self) -> QuestionQuerySet:
        """Joins capability and domain, prefetches options: 2 queries for any number of questions."""
        return (
            self.select_related("capability__domain")
            .prefetch_related("options")
            .order_by("capability__domain__order", "capability__order", "order", "code")
        )


class QuestionManager(models.Manager["Question"]):
    def get_by_natural_key(self, framework: str, code: str) -> Question:
        return self.get(framework__code=framework, code=code)


class Question(Bilingual):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="questions"
    )
    capability = models.ForeignKey(Capability, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("code"), max_length=60, help_text=_("For example C01.in_place."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    is_headline = models.BooleanField(
        _("headline question"),
        default=False,
        help_text=_("The capability's one 'is it in place?' question, counted in the matrix."),
    )
    required = models.BooleanField(_("required"), default=False)
    text_en = models.TextField(_("text (English)"))
    text_fr = models.TextField(_("text (French)"))
    help_en = models.TextField(_("help (English)"), blank=True)
    help_fr = models.TextField(_("help (French)"), blank=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit_en = models.CharField(_("unit (English)"), max_length=60, blank=True)
    unit_fr = models.CharField(_("unit (French)"), max_length=60, blank=True)

    objects = QuestionManager.from_queryset(QuestionQuerySet)()

    class Meta:
        ordering = ["framework", "capability__order", "order", "code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="capabilities_question_unique_code"
            ),
            models.UniqueConstraint(
                fields=["capability"],
                condition=Q(is_headline=True),
                name="capabilities_question_one_headline_per_capability",
            ),
            models.CheckConstraint(
                condition=Q(is_headline=False) | Q(kind="yes_no"),
                name="capabilities_question_headline_is_yes_no",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="capabilities_question_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def natural_key(self) -> tuple[str, str]:
        return (self.framework.code, self.code)

    natural_key.dependencies = ["capabilities.capability"]  # type: ignore[attr-defined]  # read by Django's serializers

    @property
    def text(self) -> str:
        return self.tr("text")

    @property
    def label(self) -> str:
        """How a person reads this question in lists, messages and titles: its text in the
        active language, shortened to about 100 characters at a word. Never its code."""
        return Truncator(self.text).chars(100)

    @property
    def help(self) -> str:
        return self.tr("help")

    @property
    def unit(self) -> str:
        return self.tr("unit")

    @property
    def has_options(self) -> bool:
        return self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


class AnswerOptionManager(models.Manager["AnswerOption"]):
    def get_by_natural_key(self, framework: str, question: str, code: str) -> AnswerOption:
        return self.get(question__framework__code=framework, question__code=question, code=code)


class AnswerOption(Bilingual):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(_("code"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label_en = models.CharField(_("label (English)"), max_length=300)
    label_fr = models.CharField(_("label (French)"), max_length=300)
    exclusive = models.BooleanField(
        _("exclusive"),
        default=False,
        help_text=_("Cannot be ticked together with another option (for example “None of these”)."),
    )

    objects = AnswerOptionManager()

    class Meta:
        ordering = ["question", "order", "code"]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "code"], name="capabilities_answeroption_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}:{self.code}"

    def natural_key(self) -> tuple[str, str, str]:
        return (*self.question.natural_key(), self.code)

    natural_key.dependencies = ["capabilities.question"]  # type: ignore[attr-defined]  # read by Django's serializers

    @property
    def label(self) -> str:
        return self.tr("label")


# ---------------------------------------------------------------------------------------------
# Countries and cycles


class CountryKind(models.TextChoices):
    STATE = "state", _("UN member state")
    JURISDICTION = "jurisdiction", _("Participating jurisdiction")
    ANONYMISED = "anonymised", _("Anonymised respondent")


class IncomeGroup(models.TextChoices):
    HIGH = "high", _("High income")
    UPPER_MIDDLE = "upper_middle", _("Upper-middle income")
    LOWER_MIDDLE = "lower_middle", _("Lower-middle income")
    LOW = "low", _("Low income")


class Region(models.TextChoices):
    """World Bank regions."""

    EAST_ASIA_PACIFIC = "east_asia_pacific", _("East Asia and Pacific")
    EUROPE_CENTRAL_ASIA = "europe_central_asia", _("Europe and Central Asia")
    LATIN_AMERICA_CARIBBEAN = "latin_america_caribbean", _("Latin America and the Caribbean")
    MIDDLE_EAST_NORTH_AFRICA = "middle_east_north_africa", _("Middle East and North Africa")
    NORTH_AMERICA = "north_america", _("North America")
    SOUTH_ASIA = "south_asia", _("South Asia")
    SUB_SAHARAN_AFRICA = "sub_saharan_africa", _("Sub-Saharan Africa")


class CountryManager(models.Manager["Country"]):
    def get_by_natural_key(self, code: str) -> Country:
        return self.get(code=code)


class Country(Bilingual):
    """A participant: a UN member state, another jurisdiction, or an anonymised respondent."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("ISO 3166 alpha-3 for states (e.g. FRA); another short code otherwise."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CountryKind.choices)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    shares_profile = models.BooleanField(
        _("shares its profile with peers"),
        default=False,
        help_text=_(
            "Only with the country's consent. Until then its name is shown only to itself, "
            "analysts and administrators."
        ),
    )

    objects = CountryManager()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country or jurisdiction")
        verbose_name_plural = _("countries and jurisdictions")

    def __str__(self) -> str:
        return self.name_en

    def natural_key(self) -> tuple[str]:
        return (self.code,)


def default_reminder_days() -> list[int]:
    """Reminders 30, 7 and 1 days before a cycle's deadline unless the cycle says otherwise."""
    return [30, 7, 1]


def validate_reminder_days(value: object) -> None:
    """A list of distinct whole numbers of days from 1 to 365, e.g. [30, 7, 1]."""
    from django.core.exceptions import ValidationError

    if (
        not isinstance(value, list)
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 365 for d in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            _("Give distinct whole numbers of days from 1 to 365, for example [30, 7, 1].")
        )


def cycle_date(prefix: str = "") -> Coalesce:
    """A cycle's date for ordering: its opening date, or for an undated cycle the date it was
    created (as ``aggregates.cycle_sort_key``). ``prefix`` reaches it from another model
    (``cycle_date("cycle__")``); an ordering of the admin's columns in either direction."""
    return Coalesce(F(f"{prefix}opens_on"), Cast(F(f"{prefix}created_at"), models.DateField()))


def cycles_newest_first(prefix: str = "") -> list[OrderBy]:
    """Cycles newest first, the same on every database: by ``cycle_date``, then by creation
    time. (``-opens_on`` alone put undated cycles first on PostgreSQL and last on SQLite.)

    Django does not reverse these for ``order_by("-cycle")`` on another model (a related model's
    ordering is reversed only when it is not an ``OrderBy``): order by ``cycle_date`` there."""
    return [cycle_date(prefix).desc(), F(f"{prefix}created_at").desc()]


class CycleManager(models.Manager["Cycle"]):
    def get_by_natural_key(self, code: str) -> Cycle:
        return self.get(code=code)


class Cycle(Bilingual):
    """An assessment cycle (e.g. the 2021 review), pinned to one framework version."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    framework = models.ForeignKey(
        FrameworkVersion,
        on_delete=models.PROTECT,
        related_name="cycles",
        verbose_name=_("framework version"),
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative data"),
        default=False,
        help_text=_("Demo or reconstructed data: every page and report that shows it says so."),
    )
    reminder_days = models.JSONField(
        _("reminder days before the deadline"),
        default=default_reminder_days,
        blank=True,
        validators=[validate_reminder_days],
        help_text=_(
            "Focal points of assessments not yet submitted get a reminder this many days before "
            "the deadline (e.g. 30, 7, 1), and once after it."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CycleManager()

    class Meta:
        ordering = cycles_newest_first()
        verbose_name = _("assessment cycle")
        verbose_name_plural = _("assessment cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True)
                | Q(deadline__isnull=True)
                | Q(opens_on__lte=F("deadline")),
                name="capabilities_cycle_opens_before_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.name_en

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._framework_changed() and self.framework_locked():
            raise ValidationError(
                _(
                    "This cycle already has answers: its framework version cannot change. "
                    "Create a new cycle for the other framework version."
                )
            )
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self._framework_changed() and self.framework_locked():
            raise ValidationError(
                {
                    "framework": _(
                        "This cycle already has answers: its framework version cannot change. "
                        "Create a new cycle for the other framework version."
                    )
                }
            )

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def framework_locked(self) -> bool:
        """Whether the cycle's framework can no longer change: some assessment of the cycle has
        answers (changing it would hide them, and let a country submit with required answers
        missing). Reads the stored cycle, not this unsaved object. 1 query."""
        if self.pk is None:
            return False
        return Answer.objects.filter(assessment__cycle_id=self.pk).exists()

    def _framework_changed(self) -> bool:
        if self.pk is None:
            return False
        stored = Cycle.objects.filter(pk=self.pk).values_list("framework_id", flat=True).first()
        return stored is not None and stored != self.framework_id


class ParticipationManager(models.Manager["Participation"]):
    def get_by_natural_key(self, cycle: str, country: str) -> Participation:
        return self.get(cycle__code=cycle, country__code=country)


class Participation(models.Model):
    """A country's attributes in one cycle: income group, region, survey (World Bank groups change)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="participations")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="participations")
    income_group = models.CharField(
        _("income group"), max_length=20, choices=IncomeGroup.choices, blank=True
    )
    region = models.CharField(_("region"), max_length=40, choices=Region.choices, blank=True)
    survey = models.SlugField(
        _("survey group"),
        max_length=40,
        blank=True,
        help_text=_("Which survey the country answered, e.g. government or unicef."),
    )

    objects = ParticipationManager()

    class Meta:
        ordering = ["cycle", "country__name_en"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "country"], name="capabilities_participation_unique_country"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} in {self.cycle}"

    def natural_key(self) -> tuple[str, str]:
        return (self.cycle.code, self.country.code)

    natural_key.dependencies = ["capabilities.cycle", "capabilities.country"]  # type: ignore[attr-defined]  # read by Django's serializers


# ---------------------------------------------------------------------------------------------
# People


class Role(models.TextChoices):
    NONE = "", _("No role")
    FOCAL_POINT = "focal_point", _("Focal point")
    CONTRIBUTOR = "contributor", _("Contributor")
    ANALYST = "analyst", _("Analyst / reviewer")


class Profile(models.Model):
    """A user's role and language. Administrators are Django superusers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team",
        verbose_name=_("country"),
    )
    domain_codes = models.JSONField(
        _("domains (contributors)"),
        default=list,
        blank=True,
        help_text=_("Domain codes a contributor may edit, e.g. D1, D3."),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    notify_by_email = models.BooleanField(
        _("e-mail me about submissions and status changes"),
        default=True,
        help_text=_("Notifications always appear on the home page; this adds an e-mail."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__in=["focal_point", "contributor"]) & Q(country__isnull=False))
                | (~Q(role__in=["focal_point", "contributor"]) & Q(country__isnull=True)),
                name="capabilities_profile_country_iff_country_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


# ---------------------------------------------------------------------------------------------
# Assessments and answers


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VALIDATED = "validated", _("Validated")


SCORED_STATUSES = (Status.SUBMITTED, Status.VALIDATED)  # what counts in aggregates


class AssessmentQuerySet(QuerySet["Assessment"]):
    def for_cycle(self, cycle: Cycle) -> AssessmentQuerySet:
        return self.filter(cycle=cycle)

    def submitted(self) -> AssessmentQuerySet:
        return self.filter(status=Status.SUBMITTED)

    def scored(self) -> AssessmentQuerySet:
        """Assessments that count in aggregates: submitted or validated (drafts never do)."""
        return self.filter(status__in=SCORED_STATUSES)

    def with_progress(self) -> AssessmentQuerySet:
        """Annotates ``answered_count`` (answers with a value). One query, no extra per row."""
        return self.annotate(
            answered_count=Count("answers", filter=~Q(answers__value=""), distinct=True)
        )


class Assessment(models.Model):
    """One country's assessment in one cycle."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="assessments")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateField(
        _("extended deadline"),
        null=True,
        blank=True,
        help_text=_("Empty: the cycle's deadline. Set through a recorded deadline extension."),
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "country__name_en"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "cycle"], name="capabilities_assessment_one_per_country_cycle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} – {self.cycle}"

    @property
    def is_locked_for_country(self) -> bool:
        return self.status in (Status.SUBMITTED, Status.VALIDATED)

    @property
    def effective_deadline(self):  # -> date | None
        """The country's own (extended) deadline, else the cycle's."""
        return self.deadline or self.cycle.deadline


class Answer(models.Model):
    """The current answer to one question. ``value`` is canonical text (see capabilities.values).

    ``version`` grows by one at every save; a save based on an older version is refused.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.TextField(_("value"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.JSONField(_("evidence links"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    prefilled_from = models.ForeignKey(
        Assessment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pre-filled from"),
        help_text=_("Copied from this earlier assessment and not confirmed by anyone yet."),
    )

    class Meta:
        # by the key columns: ordering by the relations would join assessment, cycle, country,
        # question, capability and framework to every query of answers, for their orderings
        ordering = ["assessment_id", "question_id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"],
                name="capabilities_answer_one_per_assessment_question",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="capabilities_answer_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.question.code}"


class AnswerChange(models.Model):
    """One change to an answer: old and new value, comment and evidence, who and when."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    old_comment = models.TextField(blank=True)
    new_comment = models.TextField(blank=True)
    old_evidence = models.JSONField(default=list, blank=True)
    new_evidence = models.JSONField(default=list, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, default="web")

    class Meta:
        ordering = ["answer_id", "version"]  # by the key column, as Answer
        verbose_name = _("answer change")
        verbose_name_plural = _("answer history")
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "version"], name="capabilities_answerchange_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answer} v{self.version}"


class StatusChange(models.Model):
    """One status change of an assessment: who, when, from, to and why."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "changed_at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.assessment}: {self.from_status} → {self.to_status}"


class CommentAction(models.TextChoices):
    COMMENT = "", _("Comment")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")


class ReviewComment(models.Model):
    """A comment on one answer of an assessment: a thread's first comment or a reply to it.

    Threads are one level deep (``parent`` is always a first comment). A thread is resolved when
    its first comment has ``resolved_at``; reopening clears it. Resolving and reopening are also
    recorded as replies with ``action`` set (and an optional text), so the thread is its history.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="review_comments"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    action = models.CharField(max_length=10, choices=CommentAction.choices, blank=True, default="")
    text = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["assessment", "created_at", "pk"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(resolved_at__isnull=True),
                name="capabilities_reviewcomment_only_threads_resolve",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | (Q(action="") & ~Q(text="")),
                name="capabilities_reviewcomment_thread_starts_with_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.question.code}"


class UsageEvent(models.Model):
    """One use of something limited per person or address (capabilities.throttle): a password
    reset mail, an invitation, a PDF being built. Rows older than their window are deleted as
    new ones come; kept in the database so that every app server sees the same counts."""

    key = models.CharField(_("key"), max_length=200)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        indexes = [models.Index(fields=["key", "expires_at"], name="capabilities_usage_key")]
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")

    def __str__(self) -> str:
        return f"{self.key} {self.created_at:%Y-%m-%d %H:%M:%S}"


# ---------------------------------------------------------------------------------------------
# Running a cycle: invitations, deadlines, reminders, notifications


class Invitation(models.Model):
    """One invitation e-mail (link to choose a password) sent to a user; re-sending adds a row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.user} {self.sent_at:%Y-%m-%d}"


class DeadlineExtension(models.Model):
    """A recorded change of one country's deadline: from, to, why, who, when."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="deadline_extensions"
    )
    old_deadline = models.DateField(_("old deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "changed_at", "pk"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")

    def __str__(self) -> str:
        return f"{self.assessment}: {self.old_deadline} → {self.new_deadline}"


class ReminderSent(models.Model):
    """One reminder sent for one assessment: ``days`` before its deadline (negative: after it).

    Unique per assessment, deadline and offset: ``send_reminders`` never sends the same one twice.
    An extended deadline starts a fresh series.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reminders")
    deadline = models.DateField()
    days = models.SmallIntegerField()
    recipients = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "sent_at", "pk"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "deadline", "days"], name="capabilities_remindersent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.days:+d}"


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RESUBMITTED = "resubmitted", _("Resubmitted")


class Notification(models.Model):
    """A message to one member of the secretariat, listed on their home page."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.recipient}: {self.assessment} {self.kind}"
