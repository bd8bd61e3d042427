"""Inventory screens: slotting recommendations (a manager applies them) and move tasks (an
associate does them on a phone, scanning as at put-away).

Thin: parse the form, call one service, render. Scoped like the API: a manager sees the
warehouses they manage (another warehouse's code is the 404 page); an associate sees their
warehouse's move tasks that are theirs or nobody's.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from ims.kits.access import can, roles_required
from ims.kits.roles import FLOOR, HANDLE_STOCK, warehouse_scope
from ims.kits.screens import PAGE_SIZES, list_context, paginate
from inventory.errors import StockConflict
from inventory.models import MoveTask, MoveTaskStatus
from inventory.selectors.slotting import move_task_list, recommendation_list
from inventory.selectors.stock import warehouse_list
from inventory.services.move_tasks import move_task_complete, slotting_apply

OPEN_TASKS_SHOWN = 100


def not_found(request, message: str):
    return render(request, "404.html", {"message": message}, status=404)


def _error_text(error: Exception) -> str:
    if isinstance(error, StockConflict):
        return error.detail
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


# Recommendations ------------------------------------------------------------------------------


@roles_required(HANDLE_STOCK)
@require_http_methods(["GET", "POST"])
def slotting_recommendations_view(request):
    """Open recommendations of one warehouse, most walking saved first; tick some (or none:
    all) and Apply to turn them into move tasks."""
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    warehouses = list(warehouse_list(warehouses=scope).only("code", "name"))
    code = request.POST.get("warehouse") or request.GET.get("warehouse")
    warehouse = next((w for w in warehouses if w.code == code), None)
    if code and warehouse is None:
        return not_found(request, f"There is no warehouse {code[:64]} among yours.")
    warehouse = warehouse or (warehouses[0] if warehouses else None)
    if request.method == "POST" and warehouse is not None:
        return _apply(request, warehouse)
    rows = recommendation_list(warehouses=[warehouse.pk] if warehouse else [])
    page = paginate(request, rows, default_size=PAGE_SIZES[1])
    context = list_context(
        page,
        rows=page.object_list,
        warehouses=warehouses,
        warehouse=warehouse,
        nav_section="slotting-recommendations",
    )
    return render(request, "inventory/slotting_recommendations.html", context)


def _apply(request, warehouse):
    back = f"{reverse('slotting-recommendations')}?warehouse={warehouse.code}"
    ids = None
    if request.POST.get("apply") != "all":
        raw = request.POST.getlist("ids")
        if not all(value.isdigit() and len(value) < 18 for value in raw):
            messages.error(request, "Those recommendations are not on this page any more.")
            return redirect(back)
        ids = [int(value) for value in raw]
        if not ids:
            messages.error(request, "Tick the recommendations to apply, or choose Apply all.")
            return redirect(back)
    try:
        tasks = slotting_apply(warehouse=warehouse, ids=ids, actor=request.user)
    except (ValidationError, StockConflict) as error:
        messages.error(request, f"Nothing was applied. {_error_text(error)}")
        return redirect(back)
    applied = len({task.recommendation_id for task in tasks})
    messages.success(
        request,
        format_html(
            '{} move task{} made from {} recommendation{}. <a href="{}">See them on Moves</a>.',
            len(tasks),
            "" if len(tasks) == 1 else "s",
            applied,
            "" if applied == 1 else "s",
            f"{reverse('move-task-list')}?warehouse={warehouse.code}",
        ),
    )
    return redirect(back)


# Move tasks -----------------------------------------------------------------------------------

SCANS = ("from_bin", "sku", "to_bin")


def scan_matches(value: str, *codes: str | None, warehouse_code: str = "") -> bool:
    """A scan matches a code (any case), also as a bin label prints it ("WH1:B-01")."""
    value = value.strip().upper()
    prefix = f"{warehouse_code.upper()}:"
    if warehouse_code and value.startswith(prefix):
        value = value[len(prefix) :]
    return any(code and value == code.upper() for code in codes)


def _scan_errors(task: MoveTask, values: dict) -> dict[str, str]:
    """What is wrong with each scan given; a scan not made yet is no error."""
    expected = {
        "from_bin": (task.from_location.code,),
        "sku": (task.sku.code, task.sku.barcode),
        "to_bin": (task.to_location.code,),
    }
    errors = {}
    for field in SCANS:
        value = values[field]
        if value and not scan_matches(value, *expected[field], warehouse_code=task.warehouse.code):
            errors[field] = _wrong_scan(field, task)
    return errors


def _wrong_scan(field: str, task: MoveTask) -> str:
    if field == "from_bin":
        return f"That is not bin {task.from_location.code}. Scan the bin you take from."
    if field == "sku":
        return f"That is not {task.sku.code}. Scan the item's barcode."
    return f"That is not bin {task.to_location.code}. Scan the bin you put them in."


def _quantity(values: dict, task: MoveTask) -> tuple[int | None, str | None]:
    try:
        quantity = int(values["quantity"])
    except ValueError:
        return None, "Enter the units you moved: a whole number."
    if not 1 <= quantity <= task.quantity:
        return None, f"Move between 1 and {task.quantity} units."
    return quantity, None


@roles_required(FLOOR)
@require_http_methods(["GET", "POST"])
def move_task_list_view(request):
    """Open move tasks, nearest source bin first; the one in hand big, with the scans: the bin
    to take from, the item, the bin to put in, the units. A wrong scan is said next to its
    field, which is cleared and focused; a bin that no longer holds the units changes nothing."""
    scope = warehouse_scope(request.user, FLOOR)
    mine = None if can(request, HANDLE_STOCK) else request.user
    warehouses = list(warehouse_list(warehouses=scope).only("code", "name"))
    code = request.GET.get("warehouse") or ""
    tasks = move_task_list(warehouses=scope, assignee_or_unassigned=mine)
    tasks = tasks.filter(status=MoveTaskStatus.OPEN).select_related("after__from_location")
    if code:
        tasks = tasks.filter(warehouse__code=code)
    tasks = list(tasks.order_by("from_location__travel_cost", "from_location__code", "pk"))
    wanted = request.POST.get("task") or request.GET.get("task")
    if wanted:
        task = next((t for t in tasks[:OPEN_TASKS_SHOWN] if str(t.pk) == wanted), None)
        if task is None:
            return _task_gone(request, wanted, scope, mine)
    else:
        task = next((t for t in tasks if not _blocked(t)), None)
    context = {
        "task": task,
        "tasks": tasks[:OPEN_TASKS_SHOWN],
        "open_total": len(tasks),
        "warehouses": warehouses,
        "warehouse_code": code,
        "values": {},
        "errors": {},
        "focus": "from_bin",
        "nav_section": "move-task-list",
    }
    if request.method == "POST" and task is not None:
        outcome = _complete(request, task, context)
        if outcome is not None:
            return outcome
    status = 400 if context["errors"] else 409 if context.get("problem") else 200
    return render(request, "inventory/move_tasks.html", context, status=status)


def _blocked(task: MoveTask) -> bool:
    return bool(task.after_id) and task.after.status != MoveTaskStatus.DONE


def _task_gone(request, wanted: str, scope, mine):
    """A task asked for that is not open in hand: done already (say so), or not one of ours."""
    known = move_task_list(warehouses=scope, assignee_or_unassigned=mine)
    task = known.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 18 else None
    if task is None:
        return not_found(request, f"There is no move task {wanted[:20]}.")
    messages.info(request, f"Move #{task.pk} is {task.get_status_display().lower()} already.")
    return redirect("move-task-list")


def _complete(request, task: MoveTask, context: dict):
    """Check the scans; when all are made and right, complete the task. Returns a redirect on
    success, else None with `values`, `errors` and `focus` in the context."""
    values = {k: (request.POST.get(k) or "").strip()[:100] for k in (*SCANS, "quantity")}
    errors = _scan_errors(task, values)
    quantity, problem = _quantity(values, task)
    if problem:
        errors["quantity"] = problem
    for field in errors.keys() & set(SCANS):
        values[field] = ""  # a wrong scan is cleared, ready for the next one
    waiting = [field for field in (*SCANS, "quantity") if field in errors or not values[field]]
    context.update(values=values, errors=errors, focus=waiting[0] if waiting else "quantity")
    if waiting:
        return None
    try:
        done = move_task_complete(task=task, quantity=quantity, actor=request.user)
    except ValidationError as error:
        field = "to_bin" if "to_location" in error.message_dict else "quantity"
        errors[field] = _error_text(error)
        values[field] = ""
        context["focus"] = field
        return None
    except StockConflict as error:
        context["problem"] = error.detail
        return None
    messages.success(
        request,
        f"Moved {done.moved} of {task.sku.code} from {task.from_location.code} "
        f"to {task.to_location.code}.",
    )
    return redirect("move-task-list")


urlpatterns: list = [
    path("slotting/", slotting_recommendations_view, name="slotting-recommendations"),
    path("moves/", move_task_list_view, name="move-task-list"),
]
