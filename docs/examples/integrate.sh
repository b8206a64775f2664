#!/usr/bin/env bash
# Ask Attune before sending a newsletter to one contact; if allowed, send it with the answer's
# headers and links (curl for HTTP and SMTP, jq for JSON).
set -euo pipefail
: "${ATTUNE_URL:?}" "${ATTUNE_KEY:?}" "${CONTACT_REF:?}"
SMTP_HOST=${SMTP_HOST:-localhost} SMTP_PORT=${SMTP_PORT:-25} MAIL_FROM=${MAIL_FROM:-news@example.com}

ask=$(jq -n --arg ref "$CONTACT_REF" '{contact: $ref, topic: "newsletter", channel: "email",
  purpose: "informational", record: true, message_id: "newsletter-2026-12:\($ref)"}')
answer=$(curl -fsS "$ATTUNE_URL/api/v1/decisions" -H "Authorization: Bearer $ATTUNE_KEY" \
  -H 'Content-Type: application/json' -d "$ask")
if [ "$(jq -r .decision <<< "$answer")" != allow ]; then
  jq -r '"not sent: \(.decision) \(.reason)"' <<< "$answer"
  exit 0
fi
to=$(jq -r .address <<< "$answer")

{
  printf 'From: %s\r\nTo: %s\r\nSubject: Our December newsletter\r\n' "$MAIL_FROM" "$to"
  printf 'Date: %s\r\nMessage-ID: <%s.%s@example.com>\r\n' "$(date -R)" "$(date +%s%N)" "$$"
  # List-Unsubscribe and List-Unsubscribe-Post (none for a required topic).
  jq -j '.headers // {} | to_entries[] | "\(.key): \(.value)\r\n"' <<< "$answer"
  printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
  printf 'This month: news and tips.\r\n\r\n'
  jq -j '"Choose what we send you: \(.links.preferences)\r\n",
    (.links.unsubscribe // empty | "Unsubscribe: \(.)\r\n")' <<< "$answer"
} | curl -fsS "smtp://$SMTP_HOST:$SMTP_PORT" --mail-from "$MAIL_FROM" --mail-rcpt "$to" -T -
echo "sent to $to"
