"""The signature both shops put on a webhook: base64 of HMAC-SHA256 over the raw body, keyed with
a secret the shop and the IMS share (Shopify: `X-Shopify-Hmac-Sha256`; WooCommerce:
`X-WC-Webhook-Signature`). Checked on the bytes as received, before anything parses them, and
compared in constant time so the answer's timing says nothing about how close a guess was."""

import base64
import hashlib
import hmac


def signature_of(body: bytes, secret: str) -> str:
    """What the shop sends for `body` signed with `secret` (the tests sign with it too)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_valid(body: bytes, signature: str | None, secret: str) -> bool:
    """True only for a non-empty secret and the exact signature of `body` with it."""
    if not secret or not signature:
        return False
    expected = signature_of(body, secret).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))
