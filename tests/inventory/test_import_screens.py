"""The import screens (outside the admin): the jobs list, upload, column mapping, the preview
with every bad row in its own table row, apply, progress, cancel, and who may do each."""

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from inventory.imports import import_kinds
from inventory.imports.jobs import import_job_run
from inventory.models import ImportJob, ImportMapping, ImportStatus, Sku
from tests import factories

pytestmark = pytest.mark.django_db

SHOPIFY_HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,"
    "Option1 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,"
    "Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,"
    "Variant Barcode,Image Src,Status"
)
SHOPIFY_ROWS = (
    'classic-tee,Classic tee,"<p>Soft <b>cotton</b>, a classic fit.</p>",Acme,Apparel,Shirts,'
    "tee,TRUE,Size,M,TEE-M,200,shopify,12,19.00,,TRUE,TRUE,5012345678900,https://x/t.jpg,active\n"
    'classic-tee-l,Classic tee L,"<p>Soft.</p>",Acme,Apparel,Shirts,tee,TRUE,Size,L,TEE-L,210,'
    "shopify,7,19.00,,TRUE,TRUE,5012345678917,,active\n"
)


class _Form(HTMLParser):
    """The values a browser would send for the form with `form_id`, as rendered."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.select = form_id, False, None
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and attrs.get("name") and attrs.get("type") != "file":
            self.values[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self.select = attrs["name"]
            self.values.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "form":
            self.inside = False


def form_values(response, form_id: str = "import-mapping") -> dict[str, str]:
    parser = _Form(form_id)
    parser.feed(response.content.decode())
    return parser.values


def csv_file(text: str | bytes, name: str = "file.csv") -> SimpleUploadedFile:
    content = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, content, content_type="text/csv")


def upload(client, text, *, kind: str = "skus", name: str = "file.csv"):
    return client.post(reverse("import-new"), {"kind": kind, "file": csv_file(text, name)})


def uploaded(client, text, **kwargs) -> ImportJob:
    response = upload(client, text, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("pk")
    assert response.url == reverse("import-mapping", args=[job.pk])
    assert job.status == ImportStatus.UPLOADED
    return job


def preview(client, job: ImportJob, change: dict | None = None):
    """Send the mapping as suggested on the screen (with `change` made to it)."""
    page = client.get(reverse("import-mapping", args=[job.pk]))
    assert page.status_code == 200
    values = {**form_values(page), **(change or {})}
    response = client.post(reverse("import-mapping", args=[job.pk]), values)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("import-job", args=[job.pk])
    job.refresh_from_db()
    return client.get(response.url)


def error_rows(response) -> list[tuple[str, str, str]]:
    """(row, column, message) of every row of the preview's error table, as written."""
    html = response.content.decode()
    table = re.search(r'<table class="data import-errors".*?</table>', html, re.S)
    if table is None:
        return []
    rows = re.findall(
        r"<tr>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>",
        table.group(0),
        re.S,
    )
    return [tuple(cell.strip() for cell in row) for row in rows]


@pytest.fixture
def manager(db):
    return factories.user("mgr", role="manager")


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


def person_client(username: str, role: str | None) -> Client:
    client = Client()
    client.force_login(factories.user(username, role=role))
    return client


# --- the happy path --------------------------------------------------------------------------


def test_upload_map_preview_apply_and_the_list(manager_client, manager):
    factories.sku("OLD-1")
    job = uploaded(manager_client, "code,name\nNEW-1,New one\nOLD-1,Renamed\nNEW-2,New two\n")
    page = manager_client.get(reverse("import-mapping", args=[job.pk]))
    assert b"NEW-1" in page.content  # samples of each column
    assert b"Renamed" in page.content
    assert form_values(page) == {
        "csrfmiddlewaretoken": form_values(page)["csrfmiddlewaretoken"],
        "column-0": "code",
        "column-1": "name",
    }
    shown = preview(manager_client, job)
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.rows_create, job.rows_update) == ("succeeded", True, 2, 1)
    assert not Sku.objects.filter(code="NEW-1").exists()  # a preview changes nothing
    assert b"Every row is fine" in shown.content
    assert re.search(rb'id="import-rows-create">2<', shown.content)
    assert re.search(rb'id="import-rows-update">1<', shown.content)
    assert reverse("import-job-apply", args=[job.pk]).encode() in shown.content

    applied = manager_client.post(reverse("import-job-apply", args=[job.pk]))
    run = ImportJob.objects.latest("pk")
    assert applied.url == reverse("import-job", args=[run.pk])
    result = manager_client.get(applied.url)
    assert b"Imported: 2 created, 1 updated." in result.content
    assert sorted(Sku.objects.values_list("code", flat=True)) == ["NEW-1", "NEW-2", "OLD-1"]
    assert Sku.objects.get(code="OLD-1").name == "Renamed"
    assert run.created_by == manager

    listing = manager_client.get(reverse("import-jobs"))
    assert listing.status_code == 200
    assert [job for job, _ in listing.context["jobs"]] == [run, job]
    assert b"New import" in listing.content


def test_a_preview_applies_once(manager_client):
    job = uploaded(manager_client, "code,name\nA,Apple\n")
    preview(manager_client, job)
    manager_client.post(reverse("import-job-apply", args=[job.pk]))
    again = manager_client.post(reverse("import-job-apply", args=[job.pk]), follow=True)
    assert b"was applied already" in again.content
    assert ImportJob.objects.filter(dry_run=False).count() == 1
    colleague = person_client("colleague", "manager")  # nor by someone else
    refused = colleague.post(reverse("import-job-apply", args=[job.pk]), follow=True)
    assert b"was applied already" in refused.content
    assert ImportJob.objects.filter(dry_run=False).count() == 1
    page = manager_client.get(reverse("import-job", args=[job.pk]))
    assert b"Applied already, as" in page.content
    assert reverse("import-job-apply", args=[job.pk]).encode() not in page.content


# --- errors ------------------------------------------------------------------------------------


def test_a_file_with_errors_lists_every_bad_row_and_offers_no_apply_then_the_fix_applies(
    manager_client,
):
    factories.sku("TAKEN", barcode="111")
    bad = "code,name,barcode,active\nA,Apple,,yes\nB,,,yes\nC,Cherry,111,maybe\nA,Again,,\n"
    job = uploaded(manager_client, bad, name="fruit.csv")
    shown = preview(manager_client, job)
    assert job.status == ImportStatus.FAILED
    rows = error_rows(shown)
    assert [(row, column) for row, column, _ in rows] == [
        ("3", "name"),
        ("4", "active"),
        ("4", "barcode"),
        ("5", "code"),
    ]
    messages = {(row, column): message for row, column, message in rows}
    assert "B is a new SKU" in messages[("3", "name")]
    assert "maybe" in messages[("4", "active")]
    assert "belongs to SKU TAKEN" in messages[("4", "barcode")]
    assert "more than once (first on row 2)" in messages[("5", "code")]
    assert reverse("import-job-apply", args=[job.pk]).encode() not in shown.content
    assert b"Upload a fixed file" in shown.content
    assert f"{reverse('import-new')}?kind=skus".encode() in shown.content
    assert b"Change the mapping" in shown.content
    assert not Sku.objects.filter(code="A").exists()

    fixed = uploaded(manager_client, "code,name,barcode,active\nA,Apple,,yes\nB,Banana,,yes\n")
    preview(manager_client, fixed)
    assert fixed.status == ImportStatus.SUCCEEDED
    result = manager_client.post(reverse("import-job-apply", args=[fixed.pk]), follow=True)
    assert b"2 created, 0 updated" in result.content
    assert sorted(Sku.objects.values_list("code", flat=True)) == ["A", "B", "TAKEN"]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("skus.csv", b"", "The file is empty"),
        ("skus.xls", b"\xd0\xcf\x11\xe0 old excel", "Save the sheet as CSV or XLSX"),
        ("skus.csv", b"code,name\n\x00\x01\x02", "neither CSV nor XLSX"),
        ("skus.csv", b"code,name\nA,caf\x81\x8d\n", "neither UTF-8 nor Windows-1252"),
        ("skus.csv", b"code,name\n", "a header but no rows"),
        ("skus.xlsx", b"PK\x03\x04 not really a workbook", "could not be read as an XLSX"),
    ],
)
def test_a_bad_file_is_said_next_to_the_field(manager_client, name, content, words):
    response = upload(manager_client, content, name=name)
    assert response.status_code == 400
    assert any(words in error for error in response.context["form"].errors["file"])
    html = response.content.decode()
    field_error = re.search(
        r'<ul class="errorlist" id="import-file-err"[^>]*>(.*?)</ul>', html, re.S
    )
    assert field_error is not None
    assert words in field_error.group(1)
    assert 'aria-describedby="import-file-err"' in html
    assert not ImportJob.objects.exists()


def test_no_file_and_a_file_over_the_limit_are_said_next_to_the_field(manager_client, settings):
    response = manager_client.post(reverse("import-new"), {"kind": "skus"})
    assert response.context["form"].errors["file"] == ["Choose a CSV or XLSX file to upload."]
    settings.IMPORT_MAX_FILE_BYTES = 20
    response = upload(manager_client, "code,name\nA,Apple\nB,Banana\n")
    assert response.status_code == 400
    assert "20 bytes" in response.context["form"].errors["file"][0]
    assert b"20 bytes" in response.content
    assert not ImportJob.objects.exists()


def test_the_mapping_refuses_two_columns_for_one_and_a_missing_required_column(manager_client):
    job = uploaded(manager_client, "Item,Label,Other\nA,Apple,x\n")
    page = manager_client.get(reverse("import-mapping", args=[job.pk]))
    assert b'data-required="code name"' in page.content  # said before submit, by the page
    response = manager_client.post(
        reverse("import-mapping", args=[job.pk]),
        {"column-0": "code", "column-1": "code", "column-2": ""},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "all feed code" in form.errors["column-0"][0]
    assert "all feed code" in form.errors["column-1"][0]
    assert "holds name: it is required" in " ".join(form.non_field_errors())
    assert b"holds name: it is required" in response.content
    job.refresh_from_db()
    assert (job.status, job.mapping) == (ImportStatus.UPLOADED, {})


# --- mapping --------------------------------------------------------------------------------------


def test_a_shopify_product_export_maps_to_skus_in_two_clicks(manager_client):
    """Click 1: upload. Click 2: "Preview", with the suggested mapping left as it is."""
    job = uploaded(manager_client, f"{SHOPIFY_HEADER}\n{SHOPIFY_ROWS}", name="products_export.csv")
    page = manager_client.get(reverse("import-mapping", args=[job.pk]))
    suggested = {
        header: form_values(page)[f"column-{i}"]
        for i, header in enumerate(SHOPIFY_HEADER.split(","))
    }
    assert {k: v for k, v in suggested.items() if v} == {
        "Title": "name",
        "Variant SKU": "code",
        "Variant Barcode": "barcode",
    }
    shown = preview(manager_client, job)
    assert (job.status, job.rows_create) == ("succeeded", 2)
    assert b"Every row is fine" in shown.content
    manager_client.post(reverse("import-job-apply", args=[job.pk]))
    tee = Sku.objects.get(code="TEE-M")
    assert (tee.name, tee.barcode) == ("Classic tee", "5012345678900")


def test_the_mapping_is_remembered_and_suggested_again(manager_client, manager):
    job = uploaded(manager_client, "Item,Label,Colour\nA,Apple,red\n")
    page = manager_client.get(reverse("import-mapping", args=[job.pk]))
    assert form_values(page)["column-0"] == ""  # "Item" is like none of ours
    preview(manager_client, job, {"column-0": "code", "column-1": "name", "column-2": ""})
    assert job.status == ImportStatus.SUCCEEDED
    assert ImportMapping.objects.get(user=manager, kind="skus").mapping == {
        "Item": "code",
        "Label": "name",
        "Colour": "",
    }
    again = uploaded(manager_client, "Item,Label,Colour\nB,Banana,yellow\n")
    page = manager_client.get(reverse("import-mapping", args=[again.pk]))
    values = form_values(page)
    assert (values["column-0"], values["column-1"], values["column-2"]) == ("code", "name", "")


def test_change_the_mapping_starts_again_from_the_same_file(manager_client):
    job = uploaded(manager_client, "Item,Label,Size\nA,Apple,XL\n")
    shown = preview(
        manager_client, job, {"column-0": "code", "column-1": "name", "column-2": "active"}
    )
    assert job.status == ImportStatus.FAILED  # sizes are not yes/no: mapped by mistake
    assert [(row, column) for row, column, _ in error_rows(shown)] == [("2", "active")]
    response = manager_client.post(reverse("import-remap", args=[job.pk]))
    again = ImportJob.objects.latest("pk")
    assert response.url == reverse("import-mapping", args=[again.pk])
    assert (again.status, bytes(again.content), again.file_name) == (
        ImportStatus.UPLOADED,
        bytes(job.content),
        job.file_name,
    )
    page = manager_client.get(response.url)
    assert form_values(page)["column-2"] == "active"  # the old mapping is the starting point
    preview(manager_client, again, {"column-2": ""})
    assert again.status == ImportStatus.SUCCEEDED
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED  # the old job is left as it was


# --- background jobs: progress and cancel --------------------------------------------------


def test_a_large_preview_runs_in_the_background_and_its_page_polls_until_done(
    manager_client, settings
):
    settings.IMPORT_INLINE_MAX_ROWS = 2
    job = uploaded(manager_client, "code,name\n" + "".join(f"Q-{i},Item {i}\n" for i in range(5)))
    page = preview(manager_client, job)
    assert job.status == ImportStatus.QUEUED  # no worker runs in this test: it waits
    progress_url = reverse("import-progress", args=[job.pk])
    assert f'hx-get="{progress_url}"'.encode() in page.content
    assert b'hx-trigger="every 1s"' in page.content
    assert b"0 of 5 rows" in page.content
    assert reverse("import-job-cancel", args=[job.pk]).encode() in page.content

    import_job_run(job_id=job.pk)  # what the django-q2 worker does
    region = manager_client.get(progress_url)
    assert region.status_code == 200
    assert b"<html" not in region.content  # the region alone
    assert b"hx-trigger" not in region.content  # finished: the polling stops
    assert b"Every row is fine" in region.content


def test_a_queued_job_is_cancelled_and_never_runs(manager_client, settings):
    settings.IMPORT_INLINE_MAX_ROWS = 1
    job = uploaded(manager_client, "code,name\nA,Apple\nB,Banana\n")
    preview(manager_client, job)
    assert job.status == ImportStatus.QUEUED
    response = manager_client.post(reverse("import-job-cancel", args=[job.pk]), follow=True)
    assert b"Cancelled: nothing was changed." in response.content
    assert import_job_run(job_id=job.pk).status == ImportStatus.CANCELLED
    assert not Sku.objects.exists()
    again = manager_client.post(reverse("import-job-cancel", args=[job.pk]), follow=True)
    assert b"only a running import stops" in again.content


def test_an_uploaded_file_can_be_cancelled_before_its_mapping(manager_client):
    job = uploaded(manager_client, "code,name\nA,Apple\n")
    manager_client.post(reverse("import-job-cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    # its mapping page now sends to the job's page
    response = manager_client.get(reverse("import-mapping", args=[job.pk]))
    assert response.url == reverse("import-job", args=[job.pk])


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["associate", "viewer", None])
def test_people_who_may_not_import_are_refused_every_screen(role, manager_client):
    job = uploaded(manager_client, "code,name\nA,Apple\n")
    client = person_client("nobody", role)
    urls = [
        ("get", reverse("import-jobs")),
        ("get", reverse("import-new")),
        ("post", reverse("import-new")),
        ("get", reverse("import-job", args=[job.pk])),
        ("get", reverse("import-mapping", args=[job.pk])),
        ("get", reverse("import-progress", args=[job.pk])),
        ("post", reverse("import-job-cancel", args=[job.pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, url
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_purchasing_imports_its_kinds_only_and_does_not_see_sku_jobs(manager_client):
    sku_job = uploaded(manager_client, "code,name\nA,Apple\n")
    buyer = person_client("buyer", "purchasing")
    theirs = {name for name, kind in import_kinds().items() if "purchasing" in kind.roles}
    assert theirs <= {"suppliers", "purchase_orders", "reorder_rules"}
    page = buyer.get(reverse("import-new"))
    if theirs:
        assert page.status_code == 200
        assert {kind.name for kind in page.context["kinds"]} == theirs
    else:  # no kind of theirs is registered (yet): nothing to import
        assert page.status_code == 403
    assert buyer.get(reverse("import-new"), {"kind": "skus"}).status_code == 403
    refused = buyer.post(
        reverse("import-new"), {"kind": "skus", "file": csv_file("code,name\nB,Banana\n")}
    )
    assert refused.status_code == 403
    assert ImportJob.objects.count() == 1
    assert buyer.get(reverse("import-job", args=[sku_job.pk])).status_code == 404
    assert buyer.post(reverse("import-job-cancel", args=[sku_job.pk])).status_code == 404
    assert buyer.get(reverse("import-jobs")).context["jobs"] == []


def test_a_job_is_seen_and_acted_on_by_everyone_who_may_import_its_kind(manager_client):
    job = uploaded(manager_client, "code,name\nA,Apple\n")
    other = person_client("other-manager", "manager")
    assert [j for j, _ in other.get(reverse("import-jobs")).context["jobs"]] == [job]
    assert other.get(reverse("import-job", args=[job.pk])).status_code == 200
    assert other.get(reverse("import-mapping", args=[job.pk])).status_code == 200


def test_the_nav_shows_imports_to_those_who_may_import(manager_client):
    labels = [item["label"] for item in manager_client.get("/").context["nav_items"]]
    assert "Imports" in labels
    viewer = person_client("viewer", "viewer")
    assert "Imports" not in [item["label"] for item in viewer.get("/").context["nav_items"]]


# --- queries --------------------------------------------------------------------------------------


def _failed_jobs(client, count: int, rows: int) -> list[ImportJob]:
    jobs = []
    for n in range(count):
        job = uploaded(client, "code,name\n" + "".join(f"X{n}-{i},\n" for i in range(rows)))
        preview(client, job)
        jobs.append(job)
    return jobs


def test_the_list_and_job_pages_run_a_constant_number_of_queries(
    manager_client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = _failed_jobs(manager_client, 2, rows=2)
    with CaptureQueriesContext(connection) as listing:
        assert manager_client.get(reverse("import-jobs")).status_code == 200
    listing_queries = len(listing.captured_queries)  # read now: each request resets the log
    with CaptureQueriesContext(connection) as detail:
        assert manager_client.get(reverse("import-job", args=[few[0].pk])).status_code == 200
    detail_queries = len(detail.captured_queries)
    # session, user, roles, (the count and the page of jobs | the job), the nav's warehouses
    assert (listing_queries, detail_queries) <= (6, 5)
    many = _failed_jobs(manager_client, 8, rows=30)
    with django_assert_num_queries(listing_queries):
        page = manager_client.get(reverse("import-jobs"))
    assert len(page.context["jobs"]) == 10
    with django_assert_num_queries(detail_queries):
        manager_client.get(reverse("import-job", args=[many[-1].pk]))
