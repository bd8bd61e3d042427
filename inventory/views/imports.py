"""The import screens, outside the admin: a person's import jobs, then for a new file: choose
the kind and upload → map the file's columns to ours → the preview → apply → the result.

Every screen needs a role that may import (ims.kits.roles.IMPORTS); each kind narrows it
(ImportKind.allows: purchasing imports purchase orders, reorder rules and suppliers only). A
job is seen by whoever uploaded it and by everyone who may import its kind; anyone else is told
it does not exist. The steps themselves are inventory.views.import_steps, shared with the admin.
"""

from functools import wraps

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ims.kits.access import roles_required
from ims.kits.roles import IMPORTS
from ims.kits.screens import Sorts, list_context, paginate
from inventory.imports.registry import import_kinds
from inventory.models import ImportStatus
from inventory.selectors.imports import import_jobs_visible
from inventory.views import import_steps
from inventory.views.import_steps import ImportFlow

JOB_SORTS = Sorts(
    fields={"created": ("created_at",), "kind": ("kind", "created_at"), "status": ("status",)},
    default="-created",
)


class ScreenFlow(ImportFlow):
    base_template = "base.html"
    names = {
        "list": "import-jobs",
        "new": "import-new",
        "mapping": "import-mapping",
        "job": "import-job",
        "progress": "import-progress",
        "apply": "import-job-apply",
        "cancel": "import-job-cancel",
        "remap": "import-remap",
    }

    def kinds(self, request):
        return [kind for kind in import_kinds().values() if kind.allows(request.user)]

    def jobs(self, request):
        return import_jobs_visible(request.user)

    def context(self, request, **values):
        return super().context(request, nav_section="import-jobs", **values)


SCREENS = ScreenFlow()


def job_view(step, *, act: bool = False):
    """A step on one job: a job the person may not see is not found; acting on it (mapping,
    apply, cancel, remap) needs the right to import its kind."""

    @wraps(step)
    def view(request, pk):
        job = SCREENS.jobs(request).filter(pk=pk).first()
        if job is None:
            message = f"There is no import #{pk} that you may see."
            return render(request, "404.html", {"message": message}, status=404)
        if act and not SCREENS.may_import(request, job.kind):
            return import_steps.forbidden(request, f"You may not import {job.kind}.")
        return step(request, SCREENS, job)

    return view


@roles_required(IMPORTS)
@require_GET
def import_list_view(request):
    jobs = SCREENS.jobs(request)
    kind, status = request.GET.get("kind", ""), request.GET.get("status", "")
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    jobs, sort = JOB_SORTS.apply(jobs, request.GET.get("sort"))
    page = paginate(request, jobs)
    labels = {name: kind.label for name, kind in import_kinds().items()}
    context = list_context(
        page,
        sort=sort,
        jobs=[(job, labels.get(job.kind, job.kind)) for job in page.object_list],
        kinds=SCREENS.kinds(request),
        all_kinds=labels.items(),
        statuses=ImportStatus.choices,
        chosen_kind=kind,
        chosen_status=status,
        nav_section="import-jobs",
        flow=SCREENS,
    )
    return render(request, "inventory/import_list.html", context)


@roles_required(IMPORTS)
@require_http_methods(["GET", "POST"])
def import_new_view(request):
    return import_steps.upload_step(request, SCREENS)


import_mapping_view = roles_required(IMPORTS)(
    require_http_methods(["GET", "POST"])(job_view(import_steps.mapping_step, act=True))
)
import_job_view = roles_required(IMPORTS)(require_GET(job_view(import_steps.job_step)))
import_progress_view = roles_required(IMPORTS)(require_GET(job_view(import_steps.progress_step)))
import_apply_view = roles_required(IMPORTS)(
    require_POST(job_view(import_steps.apply_step, act=True))
)
import_cancel_view = roles_required(IMPORTS)(
    require_POST(job_view(import_steps.cancel_step, act=True))
)
import_remap_view = roles_required(IMPORTS)(
    require_POST(job_view(import_steps.remap_step, act=True))
)

# The API's imports (ims/api/urls.py) already hold the names import-list, import-detail,
# import-cancel and import-apply; the screens' names differ so `reverse` finds each.
urlpatterns = [
    path("imports/", import_list_view, name="import-jobs"),
    path("imports/new/", import_new_view, name="import-new"),
    path("imports/<int:pk>/", import_job_view, name="import-job"),
    path("imports/<int:pk>/mapping/", import_mapping_view, name="import-mapping"),
    path("imports/<int:pk>/progress/", import_progress_view, name="import-progress"),
    path("imports/<int:pk>/apply/", import_apply_view, name="import-job-apply"),
    path("imports/<int:pk>/cancel/", import_cancel_view, name="import-job-cancel"),
    path("imports/<int:pk>/remap/", import_remap_view, name="import-remap"),
]
