"""Writes behind the CSV imports of suppliers and purchase orders (receiving.resources).

The import machinery runs a whole file in one transaction and applies nothing when any row is
bad; these services check one row against the database and what earlier rows of the same file
created, raising ValidationError keyed by the file's column names.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from inventory.models import Sku, Warehouse
from receiving.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier
from receiving.services.purchase_orders import (
    PurchaseLineRequest,
    incoming_moved,
    purchase_order_create,
)


@transaction.atomic
def supplier_import_row(*, code: str, name: str, email: str = "") -> tuple[Supplier, bool]:
    """Create the supplier, or update the name and e-mail of the one with this code. Returns
    (supplier, created)."""
    supplier = Supplier.objects.select_for_update().filter(code=code).first()
    created = supplier is None
    supplier = supplier or Supplier(code=code)
    supplier.name, supplier.email = name, email
    supplier.full_clean()
    supplier.save()
    return supplier, created


@transaction.atomic
def purchase_order_import_line(
    *,
    number: str,
    supplier: Supplier,
    warehouse: Warehouse,
    expected_date: datetime.date | None,
    sku: Sku,
    quantity_ordered: int,
    unit_cost: Decimal,
    status: str = PurchaseOrderStatus.OPEN,
    allow_existing: bool = False,
) -> PurchaseOrderLine:
    """One row of a purchase-order file: the line, and its PO when this is the PO's first row.
    A PO that existed before the import (`allow_existing` False) is refused, as is a second line
    for the same SKU; every row of one PO must name the same supplier, warehouse and date."""
    purchase_order = (
        (PurchaseOrder.objects.select_for_update().select_related("supplier", "warehouse"))
        .filter(number=number)
        .first()
    )
    if purchase_order is None:
        purchase_order = purchase_order_create(
            number=number,
            supplier=supplier,
            warehouse=warehouse,
            expected_date=expected_date,
            status=status,
            lines=[
                PurchaseLineRequest(sku=sku, quantity_ordered=quantity_ordered, unit_cost=unit_cost)
            ],
        )
        return purchase_order.lines.get()
    if not allow_existing:
        raise ValidationError(
            {"po_number": f"Purchase order {number} already exists; import new orders only."}
        )
    errors = {}
    if purchase_order.supplier_id != supplier.pk:
        errors["supplier"] = (
            f"{number} is from {purchase_order.supplier.code} on an earlier row, "
            f"not {supplier.code}."
        )
    if purchase_order.warehouse_id != warehouse.pk:
        errors["warehouse"] = (
            f"{number} goes to {purchase_order.warehouse.code} on an earlier row, "
            f"not {warehouse.code}."
        )
    if purchase_order.expected_date != expected_date:
        errors["expected_date"] = (
            f"{number} is expected {purchase_order.expected_date or 'on no date'} "
            "on an earlier row."
        )
    if purchase_order.status != status:
        errors["status"] = f"{number} is {purchase_order.status} on an earlier row."
    if PurchaseOrderLine.objects.filter(purchase_order=purchase_order, sku=sku).exists():
        errors["sku"] = f"{sku.code} is already on {number}: one line per SKU (duplicate line)."
    if errors:
        raise ValidationError(errors)
    line = PurchaseOrderLine.objects.create(
        purchase_order=purchase_order,
        sku=sku,
        quantity_ordered=quantity_ordered,
        unit_cost=unit_cost,
    )
    incoming_moved(keys=[(sku.pk, warehouse.pk)])  # an open PO's incoming rose
    return line
