// Ask Attune before sending a newsletter to one contact; if allowed, send it with the answer's
// headers and links (Node 20's fetch, nodemailer).
import nodemailer from "nodemailer";

const { ATTUNE_URL, ATTUNE_KEY, CONTACT_REF } = process.env;
const response = await fetch(`${ATTUNE_URL}/api/v1/decisions`, {
  method: "POST",
  headers: { Authorization: `Bearer ${ATTUNE_KEY}`, "Content-Type": "application/json" },
  body: JSON.stringify({
    contact: CONTACT_REF, topic: "newsletter", channel: "email",
    purpose: "informational", record: true, message_id: `newsletter-2026-12:${CONTACT_REF}`,
  }),
});
if (!response.ok) throw new Error(`Attune answered ${response.status}: ${await response.text()}`);
const answer = await response.json();
if (answer.decision !== "allow") {
  console.log(`not sent: ${answer.decision} ${answer.reason}`);
  process.exit(0);
}

const { preferences, unsubscribe } = answer.links;
const smtp = nodemailer.createTransport({
  host: process.env.SMTP_HOST ?? "localhost",
  port: Number(process.env.SMTP_PORT ?? 25),
});
await smtp.sendMail({
  from: process.env.MAIL_FROM ?? "news@example.com",
  to: answer.address,
  subject: "Our December newsletter",
  headers: answer.headers ?? {}, // List-Unsubscribe and List-Unsubscribe-Post (none for a required topic)
  text: `This month: news and tips.\n\nChoose what we send you: ${preferences}\n`
    + (unsubscribe ? `Unsubscribe: ${unsubscribe}\n` : ""),
});
console.log(`sent to ${answer.address}`);
