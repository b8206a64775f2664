"""Ask Attune before sending a newsletter to one contact; if allowed, send it with the answer's
headers and links (requests, smtplib)."""

import os
import smtplib
import sys
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

attune, key, ref = os.environ["ATTUNE_URL"], os.environ["ATTUNE_KEY"], os.environ["CONTACT_REF"]
response = requests.post(
    f"{attune}/api/v1/decisions",
    headers={"Authorization": f"Bearer {key}"},
    json={"contact": ref, "topic": "newsletter", "channel": "email",
          "purpose": "informational", "record": True, "message_id": f"newsletter-2026-12:{ref}"},
    timeout=10,
)
response.raise_for_status()
answer = response.json()
if answer["decision"] != "allow":
    print(f"not sent: {answer['decision']} {answer['reason']}")
    sys.exit(0)

# Lines up to 998 characters (RFC 5322): with the default 78, Python would rewrite the long
# List-Unsubscribe as an encoded word, and mail providers would not find the URL in it.
mail = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
mail["From"] = os.environ.get("MAIL_FROM", "news@example.com")
mail["To"] = answer["address"]
mail["Subject"] = "Our December newsletter"
mail["Date"] = formatdate()
mail["Message-ID"] = make_msgid(domain="example.com")
# List-Unsubscribe and List-Unsubscribe-Post (none for a required topic).
for name, value in (answer.get("headers") or {}).items():
    mail[name] = value
links = answer["links"]
body = f"This month: news and tips.\n\nChoose what we send you: {links['preferences']}\n"
if links.get("unsubscribe"):
    body += f"Unsubscribe: {links['unsubscribe']}\n"
mail.set_content(body)

with smtplib.SMTP(os.environ.get("SMTP_HOST", "localhost"), int(os.environ.get("SMTP_PORT", "25"))) as smtp:
    smtp.send_message(mail)
print(f"sent to {answer['address']}")
