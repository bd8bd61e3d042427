"""The import screens in headless Chromium: a manager uploads a file with mistakes, maps its
columns, sees each mistake written in its row of the preview, uploads the fixed file, previews
it and applies it in the background, the page following the job's progress (htmx polling)
until it says what was created; and the same pages fit a phone."""

import pytest
from playwright.sync_api import expect

from inventory.imports.jobs import import_job_run
from inventory.models import ImportJob, ImportStatus, Sku
from tests import factories

pytestmark = pytest.mark.browser

# A foreign file: its columns are named as a Shopify export names them, not as ours.
BAD_FILE = "Variant SKU,Title,Vendor\nTEE-1,Tee one,Acme\nTEE-2,,Acme\nTEE-1,Tee again,Acme\n"
FIXED_FILE = "Variant SKU,Title,Vendor\nTEE-1,Tee one,Acme\nTEE-2,Tee two,Acme\nTEE-3,Tee 3,Acme\n"


@pytest.fixture
def manager(db):
    return factories.user("importer", role="manager")


def upload(page, text: str, name: str) -> None:
    expect(page.get_by_label("What the file holds")).to_have_value("skus")
    page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()


def fits(page) -> None:
    """Nothing scrolls sideways: the page is no wider than the screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def test_upload_map_preview_an_error_fix_apply_and_follow_the_progress(
    page, new_page, login, snap, manager, settings
):
    login(page, manager)
    page.goto("/imports/")
    page.get_by_role("link", name="New import").click()

    upload(page, BAD_FILE, "tees.csv")
    expect(page.get_by_label("Variant SKU")).to_have_value("code")  # suggested from the names
    expect(page.get_by_label("Title")).to_have_value("name")
    expect(page.get_by_label("Vendor")).to_have_value("")
    expect(page.locator("#import-missing")).to_be_hidden()
    page.get_by_label("Title").select_option("")  # the page says at once what is then missing
    expect(page.locator("#import-missing")).to_contain_text("name (required)")
    page.get_by_label("Title").select_option("name")
    expect(page.locator("#import-missing")).to_be_hidden()
    snap(page, "import-mapping")
    page.get_by_role("button", name="Preview").click()

    # every mistake in its own row: row number, column, and the message in words
    expect(page.locator("#import-status")).to_have_text("Failed")
    rows = page.locator("#import-errors tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td")).to_have_text(["3", "name", "Required: TEE-2 is a new SKU."])
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("4")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("code")
    expect(rows.nth(1).locator("td").nth(2)).to_contain_text("more than once (first on row 2)")
    expect(page.get_by_role("button", name="Apply")).to_have_count(0)
    snap(page, "import-preview-errors")
    failed_url = page.url

    page.get_by_role("link", name="Upload a fixed file").click()
    upload(page, FIXED_FILE, "tees-fixed.csv")
    expect(page.get_by_label("Variant SKU")).to_have_value("code")  # remembered, too
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-outcome")).to_contain_text("Every row is fine")
    expect(page.locator("#import-rows-create")).to_have_text("3")
    expect(page.locator("#import-rows-update")).to_have_text("0")
    assert not Sku.objects.exists()  # a preview changes nothing
    snap(page, "import-preview-ok")

    # Applied in the background: no worker runs in this test, so the job waits, queued, while
    # the page polls; then the test does what the django-q2 worker does.
    settings.IMPORT_INLINE_MAX_ROWS = 2
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#import-status")).to_have_text("Queued")
    expect(page.locator("#import-job")).to_have_attribute("hx-trigger", "every 1s")
    expect(page.locator("#import-job")).to_contain_text("0 of 3 rows")
    expect(page.get_by_role("button", name="Cancel the import")).to_be_visible()
    snap(page, "import-apply-queued")
    # On SQLite the live server shares this test's database connection: keep the page's polls
    # away from it while the "worker" runs.
    page.context.set_offline(True)
    page.wait_for_timeout(300)
    job = ImportJob.objects.filter(dry_run=False).get()
    assert import_job_run(job_id=job.pk).status == ImportStatus.SUCCEEDED
    page.context.set_offline(False)
    expect(page.locator("#import-outcome")).to_have_text("Imported: 3 created, 0 updated.")
    expect(page.locator("#import-status")).to_have_text("Succeeded")
    expect(page.locator("#import-job")).not_to_have_attribute("hx-trigger", "every 1s")
    snap(page, "import-applied")
    assert sorted(Sku.objects.values_list("code", flat=True)) == ["TEE-1", "TEE-2", "TEE-3"]
    assert Sku.objects.get(code="TEE-3").name == "Tee 3"

    phone = new_page("phone")
    login(phone, manager)
    for url in ("/imports/", "/imports/new/", failed_url, page.url):
        phone.goto(url)
        fits(phone)
    phone.goto(failed_url)
    snap(phone, "import-preview-errors-phone")
    phone.get_by_role("link", name="Upload a fixed file").click()
    upload(phone, BAD_FILE, "again.csv")
    fits(phone)
    snap(phone, "import-mapping-phone")
