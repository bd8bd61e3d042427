"""Vendure's Admin API as the connector speaks it: the GraphQL documents, the session headers a
login answers with, and its `errors` in words."""

from __future__ import annotations

from channels.connectors.base import DeliveryError

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on CurrentUser { identifier }
    ... on ErrorResult { errorCode message }
  }
}"""

VARIANTS = """
query Variants($skus: [String!]!, $take: Int!) {
  stockLocations(options: {take: 100}) { items { id name } }
  productVariants(options: {filter: {sku: {in: $skus}}, take: $take}) {
    items { id sku stockLevels { stockLocationId stockOnHand stockAllocated } }
  }
}"""

UPDATE = """
mutation SetStock($input: [UpdateProductVariantInput!]!) {
  updateProductVariants(input: $input) { id }
}"""

ORDERS = """
query Orders($options: OrderListOptions) {
  orders(options: $options) {
    totalItems
    items { code state updatedAt lines { quantity productVariant { sku } } }
  }
}"""

CHECK = """
query Check($skus: [String!]!, $take: Int!) {
  stockLocations(options: {take: 100}) { items { id name } }
  productVariants(options: {filter: {sku: {in: $skus}}, take: $take}) { items { sku } }
  orders(options: {take: 1}) { totalItems }
  activeChannel { code token }
}"""


class GraphQLError(DeliveryError):
    """Vendure answered with `errors`; `codes` are their `extensions.code` values."""

    def __init__(self, detail: str, *, codes: list[str], paths: list[str]):
        retryable = "INTERNAL_SERVER_ERROR" in codes
        super().__init__(detail, permanent=not retryable)
        self.codes = codes
        self.paths = paths


def auth_headers(headers) -> dict[str, str]:
    token = headers.get("vendure-auth-token")
    if token:
        return {"Authorization": f"Bearer {token}"}
    cookies = [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or []]
    return {"Cookie": "; ".join(cookies)} if cookies else {}


def error_codes(errors: list) -> list[str]:
    return [
        str((error.get("extensions") or {}).get("code") or "ERROR")
        for error in errors
        if isinstance(error, dict)
    ]


def graphql_error(errors: list) -> GraphQLError:
    codes = error_codes(errors)
    messages = "; ".join(str(e.get("message", "")) for e in errors[:3] if isinstance(e, dict))
    paths = [str((e.get("path") or ["?"])[0]) for e in errors if isinstance(e, dict)]
    hint = ""
    if "FORBIDDEN" in codes:
        hint = " The Vendure user lacks a permission: its role needs ReadCatalog, UpdateCatalog, "
        hint += "ReadStockLocation and ReadOrder."
    elif "CHANNEL_NOT_FOUND" in codes:
        hint = " Check channel_token."
    return GraphQLError(
        f"Vendure answered {', '.join(codes)}: {messages}.{hint}", codes=codes, paths=paths
    )


def graphql_words(exc: GraphQLError, url: str) -> str:
    if "CHANNEL_NOT_FOUND" in exc.codes:
        return f"{url} knows no Vendure channel with that channel_token: check channel_token."
    return exc.detail
