"""Formula-safe exports for django-import-export resources (ims.kits.exports says the rule).

Every resource an admin exports with mixes `FormulaSafeExport` in (ImportResource does), so
CSV and XLSX alike get text cells escaped while numbers stay numbers: the escape is decided on
the model's value, before the widget renders a CSV number as text.
"""

from ims.kits.exports import escape_cell, escape_rendered


class FormulaSafeExport:
    """Mixin for resources.Resource / ModelResource (put it before the library's class)."""

    formula_safe = True  # pinned by a test that walks every admin export

    def export_field(self, field, instance, **kwargs):
        field_name = self.get_field_name(field)
        dehydrate = field.get_dehydrate_method(field_name)
        method = dehydrate if callable(dehydrate) else getattr(self, dehydrate, None)
        if method is not None:
            return escape_cell(method(instance))
        raw = field.get_value(instance)
        if kwargs.get("force_native_type") and type(raw) is int:
            return raw  # XLSX: a whole number stays a number cell, whatever the widget renders
        return escape_rendered(raw, field.widget.render(raw, **kwargs))
