"""Forms of the receiving screens: they parse what was typed or scanned and resolve natural keys
(a SKU by code or barcode, a bin by code in the task's warehouse); services do the rest."""

from django import forms

from inventory.models import Location, Sku
from receiving.services import ReceiveLine, check_receive_line


class DockLineForm(forms.Form):
    """One line at the dock: scan or type the SKU (code or barcode), the quantity, lot, expiry,
    and how many of the units are damaged."""

    sku = forms.CharField(max_length=64, label="SKU or barcode")
    quantity = forms.IntegerField(min_value=1, max_value=1_000_000_000, initial=1)
    lot = forms.CharField(max_length=64, required=False, label="Lot")
    expiry = forms.DateField(required=False, label="Expiry")
    damaged = forms.IntegerField(min_value=0, required=False, initial=0, label="Damaged")
    receipt = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_sku(self):
        value = self.cleaned_data["sku"].strip()
        sku = Sku.objects.filter(code=value).first() or Sku.objects.filter(barcode=value).first()
        if sku is None:
            raise forms.ValidationError(f"No SKU has the code or barcode {value}.")
        return sku

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        line = self.line()
        for field, message in check_receive_line(line).items():
            self.add_error(field, message)
        return data

    def line(self) -> ReceiveLine:
        data = self.cleaned_data
        return ReceiveLine(
            sku=data["sku"],
            quantity=data["quantity"],
            lot_number=data.get("lot") or None,
            expiry=data.get("expiry"),
            damaged=data.get("damaged") or 0,
        )


class ResolveForm(forms.Form):
    note = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="How was it resolved?"
    )
    release = forms.BooleanField(required=False, label="Release the held units to the shelves")
    lot = forms.CharField(max_length=64, required=False, label="Real lot number")
    expiry = forms.DateField(required=False, label="Expiry")


class PutawayConfirmForm(forms.Form):
    """The associate scans the bin the units went into (its code), and may put away fewer."""

    location = forms.CharField(max_length=64, label="Scan the bin")
    quantity = forms.IntegerField(min_value=1, max_value=1_000_000_000, label="Units")

    def __init__(self, *args, task, **kwargs):
        self.task = task
        super().__init__(*args, **kwargs)

    def clean_location(self):
        code = self.cleaned_data["location"].strip()
        places = Location.objects.select_related("warehouse").filter(
            warehouse_id=self.task.warehouse_id
        )
        # Exact first; a label typed by hand in the wrong case still finds its bin.
        location = places.filter(code=code).first() or places.filter(code__iexact=code).first()
        if location is None:
            raise forms.ValidationError(
                f"{self.task.warehouse.code} has no location {code}. Scan the bin's label."
            )
        return location
