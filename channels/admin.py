"""Admin for channels (a minimal channel admin: connector, endpoint, secret, buffer, warehouses in
priority order, API keys) and read-only views of orders and picks. Writes go through services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from channels.connectors.endpoints import endpoint_problem
from channels.models import (
    SECRET_SETTINGS,
    ChannelKey,
    ChannelWarehouse,
    Listing,
    Order,
    OrderLine,
    PickTask,
    SalesChannel,
)
from channels.services import (
    channel_create,
    channel_key_create,
    channel_key_revoke,
    channel_update,
    order_cancel,
)
from channels.sync.services import channel_test_connection
from inventory.errors import StockConflict


def _write_only(help_text: str) -> forms.CharField:
    return forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text=help_text
    )


class ChannelForm(forms.ModelForm):
    """Credentials are write-only: the settings box shows every setting but them, and each has
    its own password box, left empty to keep what is stored."""

    endpoint_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Webhook address, shop address, or Vendure's Admin API URL.",
    )
    secret = _write_only("Signs outgoing pushes. Leave empty to keep the current one.")
    password = _write_only("Vendure: the sync user's password. Leave empty to keep it.")
    access_token = _write_only("Shopify: the Admin API access token. Leave empty to keep it.")
    consumer_key = _write_only("WooCommerce: the REST key. Leave empty to keep it.")
    consumer_secret = _write_only("WooCommerce: the REST secret. Leave empty to keep it.")
    webhook_secret = _write_only(
        "Shopify, WooCommerce: the secret the shop signs its order webhooks with. Leave empty "
        "to keep it."
    )

    class Meta:
        model = SalesChannel
        fields = ["code", "name", "connector", "endpoint_url", "secret", "settings", "buffer"]
        fields += ["active"]
        help_texts = {
            "settings": "Connector settings. Vendure: username, stock_location, channel_token "
            "(optional). Shopify: location_id, api_version. WooCommerce: batch, auth_in_query.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.initial.get("settings") or {}
        self.initial["settings"] = {k: v for k, v in stored.items() if k not in SECRET_SETTINGS}

    def clean_endpoint_url(self):
        url = self.cleaned_data.get("endpoint_url", "")
        problem = endpoint_problem(url)
        if problem:
            raise ValidationError(problem)
        return url

    def clean(self):
        data = super().clean()
        secrets = {name: data.pop(name, "") for name in SECRET_SETTINGS}
        if isinstance(data.get("settings"), dict):
            data["settings"] = {**data["settings"], **{k: v for k, v in secrets.items() if v}}
        return data


class ChannelWarehouseInline(admin.TabularInline):
    model = ChannelWarehouse
    extra = 1
    fields = ["warehouse", "priority"]
    ordering = ["priority"]
    verbose_name = "warehouse it sells from"
    verbose_name_plural = "warehouses it sells from (lowest priority number first)"


class ChannelKeyInline(admin.TabularInline):
    model = ChannelKey
    extra = 0
    fields = ["name", "prefix", "created_at", "created_by", "revoked_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False  # keys are issued with the "Issue a new API key" action, shown once


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ["code", "name", "connector", "buffer", "active", "created_at"]
    list_filter = ["connector", "active"]
    search_fields = ["code", "name"]
    inlines = [ChannelWarehouseInline, ChannelKeyInline]
    actions = ["test_connection", "issue_key", "revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        if not data.get("secret"):
            data.pop("secret", None)  # an empty box keeps the stored secret
        if change:
            saved = channel_update(
                channel=SalesChannel.objects.get(pk=obj.pk), **data, actor=request.user
            )
        else:
            saved = channel_create(code=form.cleaned_data["code"], **data, actor=request.user)
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description="Test the connection to the storefront")
    def test_connection(self, request, queryset):
        for channel in queryset:
            ok, detail = channel_test_connection(channel=channel)
            level = messages.SUCCESS if ok else messages.ERROR
            self.message_user(request, f"{channel.code}: {detail}", level)

    @admin.action(description="Issue a new API key (shown once)")
    def issue_key(self, request, queryset):
        for channel in queryset:
            _, raw = channel_key_create(channel=channel, name="admin", actor=request.user)
            self.message_user(
                request,
                f"New key for {channel.code} — copy it now, it is not shown again: {raw}",
                messages.WARNING,
            )

    @admin.action(description="Revoke every key of the selected channels")
    def revoke_keys(self, request, queryset):
        keys = ChannelKey.objects.filter(channel__in=queryset, revoked_at__isnull=True)
        for key in keys:
            channel_key_revoke(key=key, actor=request.user)
        self.message_user(request, f"{len(keys)} key(s) revoked.")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["channel", "sku", "external_id", "sync_status", "last_pushed_available"]
    list_filter = ["channel", "sync_status"]
    search_fields = ["sku__code", "external_id"]
    list_select_related = ["channel", "sku"]
    readonly_fields = ["last_pushed_available", "last_pushed_at", "sync_status"]
    autocomplete_fields = ["sku"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ["sku", "warehouse", "quantity", "quantity_picked", "quantity_short", "reservation"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "external_id", "status", "expires_at", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["external_id"]
    list_select_related = ["channel"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    actions = ["cancel"]

    @admin.action(description="Cancel the selected orders (release their units)")
    def cancel(self, request, queryset):
        for order in queryset:
            try:
                order_cancel(order=order, actor=request.user, reason="Cancelled in the admin.")
            except (StockConflict, ValidationError) as exc:
                self.message_user(request, f"Order {order.pk}: {exc}", messages.ERROR)


@admin.register(PickTask)
class PickTaskAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "order",
        "sku",
        "location",
        "quantity",
        "quantity_picked",
        "assignee",
        "status",
        "sequence",
    ]
    list_filter = ["status", "warehouse", "assignee"]
    search_fields = ["sku__code", "location__code", "order__external_id"]
    list_select_related = ["order", "sku", "location", "assignee"]
