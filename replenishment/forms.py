"""Forms of the replenishment screens. They read and check the cells; the rules that need the
database (one rule per SKU and warehouse, overlapping seasons) are the services', whose
errors the views put next to the same fields."""

from django import forms

from replenishment.seasons import MAX_SEASONS, MAX_UNITS, parse_month_day
from replenishment.services.rules import MAX_LEAD_TIME_DAYS


class RuleForm(forms.Form):
    reorder_point = forms.IntegerField(
        min_value=0,
        max_value=MAX_UNITS,
        label="Reorder point",
        help_text="Alert when projected stock falls to this or below.",
    )
    reorder_quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_UNITS,
        label="Reorder quantity",
        help_text="Order at least this many.",
    )
    lead_time_days = forms.IntegerField(
        min_value=0, max_value=MAX_LEAD_TIME_DAYS, required=False, label="Lead time (days)"
    )
    supplier = forms.ChoiceField(required=False, label="Preferred supplier")
    pack_size = forms.IntegerField(
        min_value=1,
        max_value=MAX_UNITS,
        required=False,
        label="Pack size",
        help_text="Suggestions round up to whole packs.",
    )

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.suppliers = {supplier.code: supplier for supplier in suppliers}
        self.fields["supplier"].choices = [("", "No supplier")] + [
            (supplier.code, f"{supplier.code} · {supplier.name}") for supplier in suppliers
        ]

    def clean_supplier(self):
        code = self.cleaned_data.get("supplier") or ""
        return self.suppliers.get(code) if code else None


MONTH_DAY = {"placeholder": "MM-DD", "inputmode": "numeric", "autocomplete": "off", "size": 6}


class SeasonForm(forms.Form):
    """One season row; a row left entirely blank is no season."""

    start = forms.CharField(
        max_length=5, required=False, label="From (MM-DD)", widget=forms.TextInput(MONTH_DAY)
    )
    end = forms.CharField(
        max_length=5, required=False, label="To (MM-DD)", widget=forms.TextInput(MONTH_DAY)
    )
    reorder_point = forms.IntegerField(
        min_value=0, max_value=MAX_UNITS, required=False, label="Point"
    )
    reorder_quantity = forms.IntegerField(
        min_value=1, max_value=MAX_UNITS, required=False, label="Quantity"
    )

    def clean(self):
        data = super().clean()
        filled = [name for name in self.fields if data.get(name) not in (None, "")]
        if not filled and not self.errors:
            return {}
        for name in self.fields:
            if name not in self.errors and data.get(name) in (None, ""):
                self.add_error(name, "Required for a season.")
        for name in ("start", "end"):
            if data.get(name) and name not in self.errors:
                try:
                    parse_month_day(data[name])
                except ValueError as error:
                    self.add_error(name, str(error))
        return data

    def season(self) -> dict | None:
        data = self.cleaned_data
        if not data:
            return None
        return {name: data[name] for name in self.fields}


SeasonFormSet = forms.formset_factory(SeasonForm, extra=1, max_num=MAX_SEASONS)


class BulkAlertsForm(forms.Form):
    """The alerts screen's bulk bar: the selected alerts, what to do, and (to dismiss) why."""

    ACTIONS = (("order", "Create draft POs"), ("dismiss", "Dismiss"))

    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any whole number is offered; the service says which alerts exist and are open.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        data = super().clean()
        if not data.get("ids") and "ids" not in self.errors:
            self.add_error("ids", "Select at least one alert.")
        if data.get("action") == "dismiss" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the selected alerts are dismissed.")
        return data
