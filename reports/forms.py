"""Filter and upload forms of the analysis pages (matrix, comparisons, trend, survey import)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from capabilities.models import Cycle, FrameworkVersion

BY_CHOICES = [
    ("", _("No breakdown")),
    ("income_group", _("Income group")),
    ("region", _("Region")),
    ("survey", _("Survey")),
]
MAX_COMPARED = 5


def cycle_label(cycle: Cycle) -> str:
    """A cycle as the filters name it: its name, marked when the data is illustrative."""
    name = cycle.tr("name")
    if cycle.is_illustrative and "illustrat" not in name.lower():
        return _("%(name)s (illustrative)") % {"name": name}
    return name


def cycle_field() -> forms.ChoiceField:
    """The cycle filter of the analysis pages: its choices are the cycles the view has already
    read (``set_cycles``), by code, so the form costs no query."""
    return forms.ChoiceField(
        label=_("Cycle"),
        choices=[],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def set_cycles(field: forms.Field, cycles: Sequence[Cycle]) -> None:
    """Offers ``cycles``, in the order given (the views pass them in the model's order)."""
    assert isinstance(field, forms.ChoiceField)
    field.choices = [(c.code, cycle_label(c)) for c in cycles]


class MatrixFilterForm(forms.Form):
    cycle = cycle_field()
    by = forms.ChoiceField(
        label=_("Break down by"),
        choices=BY_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, cycles: Sequence[Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_cycles(self.fields["cycle"], cycles)


class CompareForm(forms.Form):
    cycle = cycle_field()
    countries = forms.MultipleChoiceField(
        label=_("Countries (up to five)"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(
        self,
        *args: Any,
        cycles: Sequence[Cycle],
        countries: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_cycles(self.fields["cycle"], cycles)
        chosen = self.fields["countries"]
        assert isinstance(chosen, forms.ChoiceField)
        chosen.choices = list(countries)

    def clean_countries(self) -> list[str]:
        chosen = self.cleaned_data.get("countries") or []
        if len(chosen) > MAX_COMPARED:
            raise forms.ValidationError(
                _("Choose at most %(n)s countries."), params={"n": MAX_COMPARED}
            )
        return chosen


class TrendForm(forms.Form):
    capability = forms.ChoiceField(
        label=_("Capability"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, capabilities: Sequence[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["capability"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(capabilities)


class ImportForm(forms.Form):
    file = forms.FileField(
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".csv,.txt,.xlsx"}
        ),
        label=_("Survey file (.csv, .txt or .xlsx)"),
        help_text=_(
            "One row per respondent; columns respondent, optional income_group, region, survey, "
            "and one column per question code."
        ),
    )
    cycle = forms.SlugField(
        widget=forms.TextInput(attrs={"class": "form-control"}),
        label=_("Cycle code"),
        max_length=40,
        help_text=_("An existing cycle, or a new one created with the framework below."),
    )
    framework = forms.ModelChoiceField(
        widget=forms.Select(attrs={"class": "form-select"}),
        label=_("Framework version (new cycle only)"),
        queryset=FrameworkVersion.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("The latest"),
    )
    create_participants = forms.BooleanField(
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        label=_("Create unknown respondents as anonymised participants"),
        required=False,
    )
    illustrative = forms.BooleanField(
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        label=_("Mark a new cycle as illustrative (demo or reconstructed data)"),
        required=False,
    )
    dry_run = forms.BooleanField(
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        label=_("Dry run: only report what would change"),
        required=False,
        initial=True,
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Only .csv, .txt and .xlsx files are accepted."))
        if upload.size > settings.MRN_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s."),
                params={"max": filesizeformat(settings.MRN_MAX_UPLOAD_BYTES)},
            )
        return upload
