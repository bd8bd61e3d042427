"""Order and picking screens: orders list and detail, "My picks" (an associate's phone) and the
manager's pick queue. Thin: parse, call a selector or one service, render; a service's error
is shown in words next to the form (or as a message), never a stack trace."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from channels.filters import OrderFilter
from channels.models import OrderStatus, PickTask, PickTaskStatus
from channels.selectors import (
    associates_of,
    channel_choices,
    count_requests_open,
    my_picks,
    order_detail,
    order_history,
    order_list,
    order_status_counts,
    pick_queue,
)
from channels.services import (
    order_cancel,
    order_put_back,
    order_ship,
    pick_task_assign,
    pick_task_confirm,
)
from ims.kits.access import can, roles_required
from ims.kits.roles import (
    FLOOR,
    HANDLE_STOCK,
    ORDER_HANDLE,
    ORDER_SHIP,
    READ_STOCK,
    in_scope,
    warehouse_scope,
)
from ims.kits.screens import PAGE_SIZES, Sorts, paginate, wants_region
from inventory.errors import StockConflict
from inventory.selectors.stock import warehouse_list

ORDER_SORTS = Sorts(
    fields={
        "created": ("created_at",),
        "id": ("id",),
        "channel": ("channel__code", "created_at"),
        "status": ("status", "created_at"),
        "external_id": ("external_id",),
    },
    default="-created",
)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, StockConflict):
        return exc.detail
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _status_cards(scope) -> list[tuple[str, str, int]]:
    counts = order_status_counts(warehouses=scope)
    return [(value, label, counts[value]) for value, label in OrderStatus.choices]


@roles_required(READ_STOCK)
@require_GET
def order_list_view(request):
    scope = warehouse_scope(request.user, READ_STOCK)
    filterset = OrderFilter(request.GET or None, queryset=order_list(warehouses=scope))
    queryset, sort = ORDER_SORTS.apply(filterset.qs, request.GET.get("sort"))
    page = paginate(request, queryset)
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "orders": page.object_list,
        "sort": sort,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "channels": channel_choices(),
        "statuses": OrderStatus.choices,
        "status_cards": _status_cards(scope),
        "nav_section": "order-list",
    }
    if wants_region(request, "order-results"):
        return render(request, "channels/_order_results.html", context)
    return render(request, "channels/order_list.html", context)


@roles_required(READ_STOCK)
@require_GET
def order_detail_view(request, pk):
    order = get_object_or_404(
        order_detail(warehouses=warehouse_scope(request.user, READ_STOCK)), pk=pk
    )
    tasks = list(order.pick_tasks.all())
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "tasks": tasks,
        "history": order_history(order),
        "at_packing": [t for t in tasks if t.quantity_picked and t.put_back_at is None],
        "can_manage": can(request, ORDER_HANDLE),
        "can_ship": can(request, ORDER_SHIP),
        "nav_section": "order-list",
    }
    return render(request, "channels/order_detail.html", context)


def _order_action(request, pk, service, done: str, roles):
    order = get_object_or_404(order_detail(warehouses=warehouse_scope(request.user, roles)), pk=pk)
    try:
        service(order=order, actor=request.user)
    except (StockConflict, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done.format(order=order))
    return redirect("order-detail", pk=pk)


@roles_required(ORDER_HANDLE)
@require_POST
def order_cancel_view(request, pk):
    def cancel(*, order, actor):
        reason = (request.POST.get("reason") or "").strip() or "Cancelled by a manager."
        return order_cancel(order=order, actor=actor, reason=f"{reason} ({actor})")

    return _order_action(
        request, pk, cancel, "Order {order.pk} cancelled: its units are released.", ORDER_HANDLE
    )


@roles_required(ORDER_SHIP)
@require_POST
def order_ship_view(request, pk):
    return _order_action(request, pk, order_ship, "Order {order.pk} shipped.", ORDER_SHIP)


@roles_required(ORDER_HANDLE)
@require_POST
def order_put_back_view(request, pk):
    return _order_action(
        request,
        pk,
        order_put_back,
        "The picked units of order {order.pk} are back in their bins.",
        ORDER_HANDLE,
    )


def _scan_matches(value: str, *candidates) -> bool:
    value = (value or "").strip().casefold()
    return bool(value) and any(value == (c or "").casefold() for c in candidates)


@roles_required(FLOOR)
def my_picks_view(request):
    """The associate's next pick, big: bin, SKU, quantity, its place in the walk. Scan the bin,
    then the SKU, enter the quantity; fewer than asked takes the short-pick path."""
    picks = list(my_picks(request.user)[:50])
    task = picks[0] if picks else None
    errors, values, short_prompt = {}, {}, False
    if request.method == "POST" and task is not None:
        task = next((p for p in picks if str(p.pk) == request.POST.get("task")), task)
        values = {k: (request.POST.get(k) or "").strip() for k in ("bin", "sku", "quantity")}
        if not _scan_matches(values["bin"], task.location.code):
            errors["bin"] = f"That is not bin {task.location.code}. Scan the bin's label."
        if not _scan_matches(values["sku"], task.sku.code, task.sku.barcode):
            errors["sku"] = f"That is not {task.sku.code}. Scan the item's barcode."
        try:
            quantity = int(values["quantity"])
            if quantity < 0:
                raise ValueError
        except ValueError:
            errors["quantity"] = "Enter the units you picked: a whole number, 0 or more."
            quantity = None
        if quantity is not None and quantity > task.quantity:
            errors["quantity"] = f"This pick asks for {task.quantity}; pick at most that many."
        if not errors and quantity < task.quantity and request.POST.get("short") != "yes":
            short_prompt = True
            errors["quantity"] = (
                f"That is fewer than {task.quantity}. If the bin holds only {quantity}, "
                "confirm a short pick: the rest is sent to another bin or released."
            )
        if not errors:
            try:
                done = pick_task_confirm(task=task, quantity=quantity, actor=request.user)
            except (StockConflict, ValidationError) as exc:
                errors["quantity"] = _error_text(exc)
            else:
                if done.status == PickTaskStatus.SHORT:
                    messages.warning(
                        request,
                        f"Short pick recorded: {quantity} of {task.quantity} {task.sku.code} "
                        f"from {task.location.code}. The bin is queued for a count.",
                    )
                else:
                    messages.success(
                        request, f"Picked {quantity} {task.sku.code} from {task.location.code}."
                    )
                return redirect("my-picks")
    context = {
        "task": task,
        "upcoming": picks[1:],
        "order_picks": [p for p in picks if task and p.order_id == task.order_id],
        "errors": errors,
        "values": values,
        "short_prompt": short_prompt,
        "nav_section": "my-picks",
    }
    return render(request, "channels/my_picks.html", context, status=400 if errors else 200)


@roles_required(HANDLE_STOCK)
@require_GET
def pick_queue_view(request):
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    warehouses = list(warehouse_list(warehouses=scope).only("code", "name"))
    chosen = next((w for w in warehouses if w.code == request.GET.get("warehouse")), None)
    rows = pick_queue(warehouse_id=chosen.pk if chosen else None, warehouses=scope)
    associates = associates_of([w.pk for w in warehouses])
    for row in rows:
        for pick in row.picks:
            pick.assignable = associates.get(pick.warehouse_id, [])
    context = {
        "rows": rows,
        "warehouses": warehouses,
        "chosen": chosen,
        "open_total": sum(len(row.picks) for row in rows),
        "counts": count_requests_open(warehouse_id=chosen.pk if chosen else None, warehouses=scope),
        "nav_section": "pick-queue",
    }
    return render(request, "channels/pick_queue.html", context)


@roles_required(HANDLE_STOCK)
@require_POST
def pick_assign_view(request, pk):
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    task = get_object_or_404(in_scope(PickTask.objects.all(), scope), pk=pk)
    username = (request.POST.get("assignee") or "").strip()
    assignee = get_user_model().objects.filter(username=username).first() if username else None
    try:
        pick_task_assign(task=task, assignee=assignee)
    except (StockConflict, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            f"Order {task.order_id}'s picks in {task.warehouse} go to "
            f"{assignee.get_username() if assignee else 'nobody (unassigned)'}.",
        )
    warehouse = request.POST.get("warehouse") or ""
    url = reverse("pick-queue")
    return redirect(f"{url}?{urlencode({'warehouse': warehouse})}" if warehouse else url)
