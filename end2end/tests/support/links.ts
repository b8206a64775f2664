import { execFileSync } from "child_process";
import * as path from "path";

const root = path.join(__dirname, "..", "..", "..");

/** The unsubscribe, preferences and not-me URLs for a demo contact, from `attune link`. */
export function linksFor(contact: string, topic?: string): { unsubscribe: string; preferences: string; notMe: string } {
  const port = process.env.ATTUNE_E2E_PORT ?? "3100";
  const args = ["link", contact, ...(topic ? ["--topic", topic] : [])];
  const out = execFileSync(path.join(root, "target", "release", "attune"), args, {
    cwd: path.join(root, "end2end", ".e2e-data"),
    env: {
      PATH: process.env.PATH ?? "",
      ATTUNE_DATA_DIR: path.join(root, "end2end", ".e2e-data"),
      ATTUNE_BASE_URL: `http://127.0.0.1:${port}`,
      ATTUNE_LOG: "warn",
    },
    encoding: "utf8",
  });
  const [unsubscribe, preferences, notMe] = out.trim().split("\n");
  return { unsubscribe, preferences, notMe };
}
