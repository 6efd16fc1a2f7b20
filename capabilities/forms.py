"""Forms of the questionnaire and the review workflow.

``AnswerForm`` is one question's form (value, comment, evidence links, and the answer ``version``
it was built from); the domain page holds one per question, each with the prefix ``q<question id>``,
and the autosave endpoint validates the very same form for one question.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from . import values
from .models import Answer, FrameworkVersion, Question, QuestionKind, YesNo

CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


class EvidenceField(forms.CharField):
    """Evidence links, one http(s) address per line; cleans to a list of strings."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [line.strip() for line in str(text or "").splitlines() if line.strip()]

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        try:
            values.check_evidence(value)
        except values.InvalidValue as exc:
            raise ValidationError(str(exc), code="too_long") from exc
        check = URLValidator(schemes=["http", "https"])
        wrong = []
        for line in value:
            try:
                check(line)
            except ValidationError:
                wrong.append(line)
        if wrong:
            raise ValidationError(
                _(
                    "Put one web address per line, starting with http:// or https://. "
                    "Not a web address: %(lines)s"
                )
                % {"lines": ", ".join(wrong)},
                code="invalid_url",
            )

    def has_changed(self, initial: object, data: object) -> bool:
        return self.to_python(self.prepare_value(initial)) != self.to_python(data)


def _value_field(question: Question) -> forms.Field:
    """The form field for the question's kind. Never required: drafts may be partial; required
    questions are enforced when the assessment is submitted."""
    kind = question.kind
    common: dict[str, Any] = {"required": False, "label": question.text}
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            choices=YesNo.choices,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            **common,
        )
    if kind == QuestionKind.MATURITY:
        choices = [(str(n), _("Phase %(number)s") % {"number": n}) for n in (1, 2, 3, 4)]
        return forms.ChoiceField(
            choices=choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"}), **common
        )
    if kind == QuestionKind.SINGLE_CHOICE:
        choices = [(o.code, o.label) for o in question.options.all()]
        return forms.ChoiceField(
            choices=choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"}), **common
        )
    if kind == QuestionKind.MULTIPLE_CHOICE:
        choices = [(o.code, o.label) for o in question.options.all()]
        return forms.MultipleChoiceField(
            choices=choices,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            **common,
        )
    if kind == QuestionKind.NUMBER:
        # The length is checked by values.normalise, with the same message as imports.
        return forms.CharField(
            widget=forms.TextInput(
                attrs={
                    "inputmode": "decimal",
                    "class": "form-control answer-number",
                    "maxlength": values.NUMBER_MAX_CHARS,
                }
            ),
            **common,
        )
    return forms.CharField(
        widget=forms.Textarea(
            attrs={"rows": 4, "class": "form-control", "maxlength": values.TEXT_MAX_CHARS}
        ),
        **common,
    )


def initial_for(question: Question, answer: Answer | None) -> dict[str, object]:
    """The form's initial data from the stored answer (or none)."""
    if answer is None:
        return {"value": "", "comment": "", "evidence": [], "version": 0}
    value: object = answer.value
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        value = values.split_multiple(answer.value)
    return {
        "value": value,
        "comment": answer.comment,
        "evidence": list(answer.evidence),
        "version": answer.version,
    }


class AnswerForm(forms.Form):
    """One question's answer. ``cleaned_data['value']`` is canonical (capabilities.values)."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    # Set when a stale save was shown to the user: the version of the newer answer they have seen.
    # Only the "Keep mine" button uses it as the base of the next save.
    theirs_version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "class": "form-control", "maxlength": values.COMMENT_MAX_CHARS}
        ),
    )
    evidence = EvidenceField(
        label=_("Evidence links (optional)"),
        required=False,
        help_text=_("One web address per line, starting with http:// or https://."),
    )

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"q{question.pk}")
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields = {"value": _value_field(question), **self.fields}
        self.fields["evidence"].widget.attrs["class"] = "form-control"

    def clean_value(self) -> str:
        try:
            return values.normalise(self.question, self.cleaned_data.get("value"))
        except values.InvalidValue as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def clean_comment(self) -> str:
        try:
            return values.check_comment(self.cleaned_data.get("comment") or "")
        except values.InvalidValue as exc:
            raise ValidationError(str(exc), code="too_long") from exc

    def was_posted(self) -> bool:
        """Whether the bound data holds this question at all (its version field)."""
        return self.add_prefix("version") in self.data

    def anchor(self, name: str) -> str:
        """The id of the element an error summary link points to."""
        field = self[name]
        if isinstance(field.field.widget, CHOICE_WIDGETS):
            return f"{field.auto_id}_0"
        return field.auto_id

    def content(self) -> tuple[str, str, list[str]]:
        """(value, comment, evidence) once valid."""
        data = self.cleaned_data
        return data["value"], data["comment"].strip(), list(data["evidence"])


_DIGITS = frozenset("0123456789")
_URL_CHECK = URLValidator(schemes=["http", "https"])


def _whole(raw: object, minimum: int) -> int | None:
    """A plain whole number (ASCII digits, nothing else) of at least ``minimum``, else None."""
    if type(raw) is not str or not raw or not _DIGITS.issuperset(raw):
        return None
    number = int(raw)
    return number if number >= minimum else None


def lean_content(
    question: Question, data: Any
) -> tuple[tuple[str, str, list[str]], int, int | None] | None:
    """What a valid ``AnswerForm(data, question=question)`` holds, without building it:
    ``((value, comment, evidence), version, theirs_version)``, as ``content()`` and
    ``cleaned_data`` give them. None when the input is not plainly valid: the caller then builds
    the bound form, which gives the errors (or accepts what this path is not sure about).

    It follows the form's fields step by step (the widget's ``value_from_datadict``, the field's
    ``to_python`` and ``validate``, then ``clean_*``): tests/capabilities/test_lean_save.py
    compares both on valid and invalid input of every kind.
    """
    prefix = f"q{question.pk}-"
    version = _whole(data.get(prefix + "version"), 0)
    if version is None:
        return None
    theirs_raw = data.get(prefix + "theirs_version")
    theirs = None
    if theirs_raw not in (None, ""):
        theirs = _whole(theirs_raw, 1)
        if theirs is None:
            return None
    kind = question.kind
    raw: object
    if kind == QuestionKind.MULTIPLE_CHOICE:
        picked = data.getlist(prefix + "value") if hasattr(data, "getlist") else []
        codes = {o.code for o in question.options.all()}
        if any(type(p) is not str or p not in codes for p in picked):
            return None  # the form says which choice is not valid
        raw = list(picked)
    else:
        got = data.get(prefix + "value")
        text = "" if got is None else got
        if type(text) is not str:
            return None
        if kind in (QuestionKind.YES_NO, QuestionKind.MATURITY, QuestionKind.SINGLE_CHOICE):
            if text and text not in _choice_codes(question):
                return None
            raw = text
        else:  # a CharField: stripped, no NUL
            raw = text.strip()
            if "\x00" in raw:
                return None
    comment = data.get(prefix + "comment")
    comment = "" if comment is None else comment
    evidence_text = data.get(prefix + "evidence")
    evidence_text = "" if evidence_text is None else evidence_text
    if type(comment) is not str or type(evidence_text) is not str:
        return None
    comment = comment.strip()
    if "\x00" in comment or "\x00" in evidence_text:
        return None
    evidence = [line.strip() for line in evidence_text.strip().splitlines() if line.strip()]
    try:
        value = values.normalise(question, raw)
        comment = values.check_comment(comment)
        values.check_evidence(evidence)
        for line in evidence:
            _URL_CHECK(line)
    except (values.InvalidValue, ValidationError):
        return None
    return (value, comment.strip(), list(evidence)), version, theirs


def _choice_codes(question: Question) -> set[str]:
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        return {str(code) for code in YesNo.values}
    if kind == QuestionKind.MATURITY:
        return {"1", "2", "3", "4"}
    return {o.code for o in question.options.all()}


def answer_content(answer: Answer | None) -> tuple[str, str, list[str]]:
    if answer is None:
        return "", "", []
    return answer.value, answer.comment, list(answer.evidence)


class ReturnForm(forms.Form):
    """Its own ids (``id_return_reason``): the review page also holds the validation form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_return_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(
        label=_("Why is the assessment returned?"),
        help_text=_("The country's team reads this. Say what needs to change."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        error_messages={
            "required": _("Say why the assessment is returned: the country will read it.")
        },
    )


class ValidateForm(forms.Form):
    """Its own ids (``id_validate_reason``); a note over the limit is refused with a message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_validate_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(
        label=_("Note to the country (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class ReviewCommentForm(forms.Form):
    question = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Comment for the country"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("Write the comment before adding it.")},
    )


def _domain_choices() -> list[tuple[str, str]]:
    """Domain codes with their names in the active language (one query)."""
    from .models import Domain

    seen: dict[str, str] = {}
    for domain in Domain.objects.order_by("framework__created_at", "order"):
        seen[domain.code] = f"{domain.code}. {domain.name}"
    return sorted(seen.items())


class ContributorForm(forms.Form):
    """A new contributor: who, and which domains they may answer."""

    # Each message names its field: the error summary lists them together (issue 13).
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        error_messages={"required": _("Enter the contributor's first name.")},
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        error_messages={"required": _("Enter the contributor's last name.")},
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("They receive a link at this address to choose their password."),
        error_messages={
            "required": _("Enter the contributor's e-mail address."),
            "invalid": _("Enter the e-mail address in the form name@example.org."),
        },
    )
    domain_codes = forms.MultipleChoiceField(
        label=_("Domains they may answer"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one domain the contributor may answer.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["domain_codes"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _domain_choices()


class ContributorDomainsForm(forms.Form):
    """Change an existing contributor's domains, or remove their access."""

    domain_codes = forms.MultipleChoiceField(
        label=_("Domains they may answer"), widget=forms.CheckboxSelectMultiple, required=False
    )
    active = forms.BooleanField(label=_("Has access"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["domain_codes"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _domain_choices()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("active") and not data.get("domain_codes"):
            self.add_error(
                "domain_codes", _("Choose at least one domain, or remove the person's access.")
            )
        return data


# ---------------------------------------------------------------------------------------------
# Running a cycle (the secretariat)


class CycleOpenForm(forms.Form):
    """A new cycle (or one already opened: the file is applied again) and its participants file."""

    code = forms.SlugField(
        label=_("Cycle code"),
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("Short and unique, e.g. review-2027. An existing code re-applies the file."),
    )
    name_en = forms.CharField(
        label=_("Name (English)"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    name_fr = forms.CharField(
        label=_("Name (French)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    framework: forms.ModelChoiceField[FrameworkVersion] = forms.ModelChoiceField(
        label=_("Framework version"),
        queryset=None,
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    deadline = forms.DateField(
        label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    reminder_days = forms.CharField(
        label=_("Reminders (days before the deadline)"),
        required=False,
        initial="30, 7, 1",
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        help_text=_("Separated by commas. Focal points are also reminded once after the deadline."),
    )
    file = forms.FileField(
        label=_("Participants file (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx"}),
        help_text=_(
            "One row per country; columns country (ISO code), income_group, region, "
            "focal_point_email, focal_point_name, and optional language (en or fr) and survey."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import FrameworkVersion

        super().__init__(*args, **kwargs)
        field = self.fields["framework"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FrameworkVersion.objects.all()

    def clean_reminder_days(self) -> list[int] | None:
        from .models import validate_reminder_days

        raw = self.cleaned_data["reminder_days"].strip()
        if not raw:
            return None
        try:
            days = [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise ValidationError(
                _("Give whole numbers of days separated by commas, for example 30, 7, 1.")
            ) from exc
        validate_reminder_days(days)
        return days

    def clean_file(self) -> object:
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("Only .csv and .xlsx files are accepted."))
        if upload.size > settings.MRN_MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(max)s."),
                params={"max": filesizeformat(settings.MRN_MAX_UPLOAD_BYTES)},
            )
        return upload


class DeadlineExtensionForm(forms.Form):
    new_deadline = forms.DateField(
        label=_("New deadline"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Recorded with your name and the date."),
    )


class FrameworkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Framework file (.json or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".json,.xlsx"}),
        help_text=_("In the documented framework format; the preview writes nothing."),
    )

    def clean_file(self) -> object:
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".json", ".xlsx")):
            raise ValidationError(_("Only .json and .xlsx framework files are accepted."))
        if upload.size > settings.MRN_MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(max)s."),
                params={"max": filesizeformat(settings.MRN_MAX_UPLOAD_BYTES)},
            )
        return upload
