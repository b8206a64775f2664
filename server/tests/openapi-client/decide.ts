// Calls `decide` through a client generated from Attune's OpenAPI document (run.sh makes
// schema.d.ts with openapi-typescript). Type-checked strictly first: a missing operation id or
// enum, or a request that does not match the document, fails before anything runs.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

type Schemas = components["schemas"];

// Exhaustive at compile time: a verdict the document adds or drops breaks this line.
const VERDICTS: Record<Schemas["Verdict"], true> = { allow: true, deny: true, defer: true };

// The enums are real types: a channel the document lists compiles, one it does not list does not.
const aChannel: Schemas["Channel"] = "email";
// @ts-expect-error "fax" is not a channel
const notAChannel: Schemas["Channel"] = "fax";
void [aChannel, notAChannel];

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const client = createClient<paths>({
  baseUrl: `${env("ATTUNE_BASE_URL")}/api/v1`,
  headers: { Authorization: `Bearer ${env("ATTUNE_KEY")}` },
});

// The request body of the operation named `decide`, by its operation id.
const ask: operations["decide"]["requestBody"]["content"]["application/json"] = {
  contact: env("ATTUNE_CONTACT"),
  topic: env("ATTUNE_TOPIC"),
  channel: "email",
  purpose: "marketing",
};

const { data, error, response } = await client.POST("/decisions", { body: ask });

const fail = (why: string): never => {
  console.error(`decide: ${why}`);
  process.exit(1);
};
if (error !== undefined || data === undefined) fail(`HTTP ${response.status}: ${JSON.stringify(error)}`);
const decision = data!;
if (response.status !== 200) fail(`expected 200, got ${response.status}`);
if (!(decision.decision in VERDICTS)) fail(`decision ${JSON.stringify(decision.decision)} is not a verdict`);
// The reason is typed by the document's enum, not as any string.
const reason: Schemas["Reason"] = decision.reason;
if (typeof reason !== "string" || reason.length === 0) fail("no reason");
if (typeof decision.preference_version !== "number") fail("no preference_version");
if (decision.decision === "allow") {
  if (decision.reason !== "allowed") fail(`allow with reason ${decision.reason}`);
  if (decision.address === undefined || decision.links === undefined) fail("an email allow without address or links");
}
console.log(
  `decide ${ask.contact} ${ask.topic} ${ask.channel} ${ask.purpose}: ${decision.decision} (${decision.reason}), version ${decision.preference_version}`,
);
