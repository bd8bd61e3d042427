"""Count requests: a bin and SKU queued for counting (cycle counts post the variance later)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ims.kits.inputs import acting_user
from inventory.models import CountTask, CountTaskStatus, Location, Sku


def count_request(
    *,
    location: Location,
    sku: Sku,
    reason: str,
    reference: str = "",
    actor: AbstractBaseUser | None = None,
) -> CountTask:
    """Queue `sku` in `location` for a count. Keeps at most one open request per bin and SKU
    (a partial unique constraint): asking again returns the open one, also under concurrency."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the bin needs a count."})
    existing = CountTask.objects.filter(
        location=location, sku=sku, status=CountTaskStatus.OPEN
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CountTask.objects.create(
                location=location,
                sku=sku,
                reason=reason[:200],
                reference=reference[:100],
                requested_by=acting_user(actor),
            )
    except IntegrityError:  # a concurrent request for the same bin and SKU won
        return CountTask.objects.get(location=location, sku=sku, status=CountTaskStatus.OPEN)
