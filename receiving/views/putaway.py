"""The associate's put-away queue, built for a phone and a barcode scanner: open tasks in walking
order, the suggested bin shown big; scanning the bin's label (its code, then Enter) confirms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ims.kits.access import roles_required
from ims.kits.roles import FLOOR, warehouse_scope
from ims.kits.screens import PAGE_SIZES, paginate, wants_region
from inventory.errors import StockConflict
from inventory.selectors.stock import warehouse_list
from receiving.filters import PutawayTaskFilter
from receiving.forms import PutawayConfirmForm
from receiving.models import PutawayStatus
from receiving.selectors import putaway_queue, putaway_task_list
from receiving.services import putaway_complete
from receiving.views.common import not_found

SORTS = [("walk", "Walking order"), ("created", "Oldest first"), ("sku", "SKU")]


@roles_required(FLOOR)
@require_GET
def putaway_queue_view(request):
    scanned = (request.GET.get("q") or "").strip()
    scope = warehouse_scope(request.user, FLOOR)
    queue = putaway_queue(warehouses=scope)
    filterset = PutawayTaskFilter(request.GET or None, queryset=queue)
    tasks = filterset.qs
    if scanned and len(page_tasks := list(tasks[:2])) == 1:
        # A scan that finds exactly one task opens it: scan the carton, then the bin.
        return redirect("putaway-task", pk=page_tasks[0].pk)
    page = paginate(request, tasks, default_size=PAGE_SIZES[1])
    context = {
        "form": filterset.form,
        "page": page,
        "tasks": page.object_list,
        "sort": request.GET.get("sort", ""),
        "sorts": SORTS,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "warehouses": warehouse_list(warehouses=scope).only("code", "name"),
        "nav_section": "putaway-queue",
    }
    if wants_region(request, "putaway-results"):
        return render(request, "receiving/_putaway_results.html", context)
    return render(request, "receiving/putaway_queue.html", context)


@roles_required(FLOOR)
@require_http_methods(["GET", "POST"])
def putaway_task_view(request, pk):
    task = putaway_task_list(warehouses=warehouse_scope(request.user, FLOOR)).filter(pk=pk).first()
    if task is None:
        return not_found(request, f"There is no put-away task {pk}.")
    if task.status != PutawayStatus.OPEN:
        messages.info(request, f"Task {pk} is already {task.get_status_display().lower()}.")
        return redirect("putaway-queue")
    if request.method == "POST":
        form = PutawayConfirmForm(request.POST, task=task)
        if form.is_valid():
            try:
                done, remainder = putaway_complete(
                    task=task,
                    location=form.cleaned_data["location"],
                    quantity=form.cleaned_data["quantity"],
                    actor=request.user,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except StockConflict as error:
                form.add_error(None, error.detail)
            else:
                message = f"Put {done.quantity} of {task.sku.code} in {done.location.code}."
                if remainder is not None:
                    message += f" {remainder.quantity} still to put away (task {remainder.pk})."
                messages.success(request, message)
                return redirect("putaway-queue")
    else:
        form = PutawayConfirmForm(task=task, initial={"quantity": task.quantity})
    context = {"task": task, "form": form, "nav_section": "putaway-queue"}
    return render(request, "receiving/putaway_task.html", context)
