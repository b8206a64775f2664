"""Schemathesis hooks for run.sh: steer generated requests to where the handlers do real work.

Without them, nearly every `{ref}`, `{id}`, contact and topic schemathesis makes up names
nothing (a 404, or a `deny`, that stops before the interesting code), a made-up webhook URL is
refused, and its few Idempotency-Key values repeat across different bodies (a 422 before the
handler runs). Those answers are right and stay covered: only every other case is changed, and
only in values the document allows (a deliberately invalid value is left alone), and
deterministically, so a run with the same seed sends the same requests.
"""

import itertools
import os
import re

import schemathesis

CONTACT = os.environ.get("FUZZ_CONTACT_REF")
# Erasure gets a contact of its own, so the others keep one to work on.
ERASABLE = os.environ.get("FUZZ_ERASABLE_REF")
ENDPOINT = os.environ.get("FUZZ_ENDPOINT_ID")
# The `ref` the document allows; a value outside it is a deliberate negative case, kept as is.
VALID_REF = re.compile(r"[!-~]{1,128}")
VALID_TOPIC = re.compile(r"[a-z][a-z0-9_-]{0,63}")
TOPIC = "offers"  # a demo topic the contact is subscribed to by email and sms
WEBHOOK_URL = "http://127.0.0.1:9/hook"  # nothing listens: deliveries fail fast
_cases = itertools.count()


@schemathesis.hook
def map_case(ctx, case):
    n = next(_cases)
    if n % 2:
        return case
    params = case.path_parameters
    if params:
        ref = params.get("ref")
        if CONTACT and isinstance(ref, str) and VALID_REF.fullmatch(ref):
            params["ref"] = ERASABLE if case.method.upper() == "DELETE" else CONTACT
        if ENDPOINT and "id" in params:
            params["id"] = ENDPOINT
    _steer_body(case.body)
    # A key of 1-240 characters stays valid with a suffix; an empty or over-long one is a
    # negative case and is left to be refused.
    key = case.headers.get("Idempotency-Key") if case.headers else None
    if isinstance(key, str) and 0 < len(key) <= 240:
        case.headers["Idempotency-Key"] = f"{key}-{n}"
    return case


def _steer_body(body):
    """Real contact, topic and URL in a decision, a batch's items, a patch or an endpoint."""
    if not isinstance(body, dict):
        return
    items = body.get("items")
    prefs = body.get("preferences")
    for item in [body, *(items if isinstance(items, list) else [])]:
        if not isinstance(item, dict):
            continue
        contact = item.get("contact")
        if CONTACT and isinstance(contact, str) and VALID_REF.fullmatch(contact):
            item["contact"] = CONTACT
    for item in [body, *(items if isinstance(items, list) else []), *(prefs if isinstance(prefs, list) else [])]:
        if isinstance(item, dict) and isinstance(item.get("topic"), str) and VALID_TOPIC.fullmatch(item["topic"]):
            item["topic"] = TOPIC
    if isinstance(body.get("url"), str):
        body["url"] = WEBHOOK_URL
