"""Count approvals: the counts of a manager's warehouses whose variances were too large to post
on submit, each held line with what was counted, what the books expected, and the variance in
units and in value; "Approve" posts them (count_approve), "Recount" cancels them and opens a new
blind count of the same lines (count_recount)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ims.kits.access import roles_required
from ims.kits.roles import HANDLE_STOCK, warehouse_scope
from ims.kits.screens import list_context, paginate
from inventory.errors import StockConflict
from inventory.models import CountLineStatus, CountStatus, CycleCount, CycleCountLine
from inventory.selectors.counts import count_associates, count_list
from inventory.selectors.stock import warehouse_list
from inventory.services.count_posting import count_approve, count_recount


def not_found(request, message: str):
    return render(request, "404.html", {"message": message}, status=404)


def with_values(lines: list[CycleCountLine]) -> list[CycleCountLine]:
    """Each line with `variance_value`: the variance times the unit cost, when both are known."""
    for line in lines:
        known = line.variance is not None and line.unit_cost is not None
        line.variance_value = Decimal(line.variance) * line.unit_cost if known else None
    return lines


@roles_required(HANDLE_STOCK)
@require_GET
def count_approvals_view(request):
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    warehouses = list(warehouse_list(warehouses=scope).only("code", "name"))
    chosen = next((w for w in warehouses if w.code == request.GET.get("warehouse")), None)
    counts = count_list(warehouses=scope).filter(status=CountStatus.PENDING_APPROVAL)
    if chosen is not None:
        counts = counts.filter(warehouse=chosen)
    page = paginate(request, counts.order_by("submitted_at", "pk"))
    associates = count_associates(warehouses=[w.pk for w in warehouses])
    for count in page.object_list:
        count.held_lines = with_values(
            [line for line in count.lines.all() if line.status == CountLineStatus.HELD]
        )
        count.posted_lines = sum(
            1 for line in count.lines.all() if line.status == CountLineStatus.POSTED
        )
        values = [line.variance_value for line in count.held_lines]
        count.held_value = sum(values) if values and None not in values else None
        count.assignable = associates.get(count.warehouse_id, [])
    context = list_context(
        page,
        counts=page.object_list,
        warehouses=warehouses,
        chosen=chosen,
        nav_section="count-approvals",
    )
    return render(request, "inventory/count_approvals.html", context)


def _held_count(request, pk: int) -> CycleCount | None:
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    return count_list(warehouses=scope).prefetch_related(None).filter(pk=pk).first()


def _back(request):
    """To the form's `next` (a page of this site only), else the approvals."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("count-approvals")


@roles_required(HANDLE_STOCK)
@require_POST
def count_approve_view(request, pk):
    count = _held_count(request, pk)
    if count is None:
        return not_found(request, f"There is no count #{pk} in your warehouses.")
    try:
        count_approve(count=count, actor=request.user)
    except (StockConflict, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"Count #{pk} approved: its variances are posted.")
    return _back(request)


@roles_required(HANDLE_STOCK)
@require_POST
def count_recount_view(request, pk):
    count = _held_count(request, pk)
    if count is None:
        return not_found(request, f"There is no count #{pk} in your warehouses.")
    username = (request.POST.get("assignee") or "").strip()
    assignee = None
    if username:
        people = count_associates(warehouses=[count.warehouse_id]).get(count.warehouse_id, [])
        assignee = next((p for p in people if p.get_username() == username), None)
        if assignee is None:
            messages.error(request, f"{username} is not an associate of {count.warehouse.code}.")
            return _back(request)
    try:
        recount = count_recount(count=count, assignee=assignee, actor=request.user)
    except (StockConflict, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _recount_text(count, recount.assignee, recount.pk))
    return _back(request)


def _recount_text(count: CycleCount, assignee: AbstractBaseUser | None, recount_pk: int) -> str:
    who = assignee.get_username() if assignee else "whoever starts it"
    return (
        f"Count #{count.pk} cancelled, nothing posted from its held lines. "
        f"Recount #{recount_pk} is open (blind) for {who}."
    )


def _error_text(error: Exception) -> str:
    if isinstance(error, StockConflict):
        return error.detail
    return " ".join(error.messages)
