"""Channel screens: sync health of every channel, and one channel's listings with resync and
test-connection. Thin: parse, call a selector or one service, render."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from channels.connectors import connector_for
from channels.filters import ListingFilter
from channels.models import ChannelPullState, SalesChannel, SyncStatus
from channels.sync.pull import channel_pull
from channels.sync.selectors import channel_health, listing_sync_list, sync_lag_series
from channels.sync.services import channel_resync, channel_test_connection
from channels.webhooks.selectors import webhook_panel, webhook_shop
from ims.kits.access import roles_required
from ims.kits.roles import CHANNEL_OPERATE, CHANNEL_READ
from ims.kits.screens import PAGE_SIZES, Sorts, paginate, wants_region

LISTING_SORTS = Sorts(
    fields={
        "sku": ("sku__code",),
        "external_id": ("external_id",),
        "status": ("sync_status", "sku__code"),
        "pushed": ("last_pushed_at",),
        "available": ("last_pushed_available",),
        "version": ("version",),
    },
    default="sku",
)


@roles_required(CHANNEL_READ)
@require_GET
def channel_list_view(request):
    return render(
        request,
        "channels/channels_list.html",
        {"rows": channel_health(), "nav_section": "channel-list"},
    )


@roles_required(CHANNEL_READ)
@require_GET
def channel_detail_view(request, code):
    channel = get_object_or_404(SalesChannel, code=code)
    filterset = ListingFilter(
        request.GET or None, queryset=listing_sync_list().filter(channel=channel)
    )
    queryset, sort = LISTING_SORTS.apply(filterset.qs, request.GET.get("sort"))
    page = paginate(request, queryset)
    [health] = channel_health(SalesChannel.objects.filter(pk=channel.pk))
    lag_values, lag_labels = sync_lag_series(channel=channel)
    context = {
        "channel": channel,
        "health": health,
        "form": filterset.form,
        "page": page,
        "listings": page.object_list,
        "sort": sort,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "statuses": SyncStatus.choices,
        "lag_values": lag_values,
        "lag_labels": lag_labels,
        "lag_worst": max(lag_values or [0]),
        "pulls": connector_for(channel).pulls_orders,
        "pull": ChannelPullState.objects.filter(channel=channel).first(),
        "webhooks": webhook_panel(channel, address=_webhook_address(request, channel)),
        "nav_section": "channel-list",
    }
    if wants_region(request, "listing-results"):
        return render(request, "channels/channels_listings.html", context)
    return render(request, "channels/channels_detail.html", context)


def _webhook_address(request, channel: SalesChannel) -> str:
    """The absolute URL a shop delivers the channel's order webhooks to: under IMS_BASE_URL when
    set (the address the world reaches, behind a proxy), else the host this page was asked on."""
    shop = webhook_shop(channel)
    if shop is None:
        return ""
    path = reverse(f"channel-webhook-{shop.NAME}", args=[channel.code])
    base = str(getattr(settings, "IMS_BASE_URL", "") or "").rstrip("/")
    return base + path if base else request.build_absolute_uri(path)


@roles_required(CHANNEL_OPERATE)
@require_POST
def channel_resync_view(request, code):
    channel = get_object_or_404(SalesChannel, code=code)
    queued = channel_resync(channel=channel)
    messages.success(request, f"{queued} listing{'s' if queued != 1 else ''} queued for a push.")
    return redirect("channel-detail", code=channel.code)


@roles_required(CHANNEL_OPERATE)
@require_POST
def channel_test_view(request, code):
    channel = get_object_or_404(SalesChannel, code=code)
    ok, detail = channel_test_connection(channel=channel)
    (messages.success if ok else messages.error)(
        request, f"Connection {'works' if ok else 'failed'}: {detail}"
    )
    return redirect("channel-detail", code=channel.code)


@roles_required(CHANNEL_OPERATE)
@require_POST
def channel_pull_view(request, code):
    channel = get_object_or_404(SalesChannel, code=code)
    result = channel_pull(channel=channel)
    if result.busy:
        messages.info(request, "A pull is already running for this channel; look again shortly.")
    elif result.error:
        messages.error(request, f"Pull failed: {result.error}")
    else:
        messages.success(
            request,
            f"Read {result.read} storefront order(s): {len(result.taken)} new, "
            f"{len(result.cancelled)} cancelled, {len(result.refused)} waiting (see below).",
        )
    return redirect("channel-detail", code=channel.code)
