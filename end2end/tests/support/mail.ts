import * as fs from "fs";
import * as path from "path";

/** Where serve.sh points the file mailer. */
export const mailDir = path.join(__dirname, "..", "..", ".e2e-data", "mail");

function read(file: string): string {
  // Undo quoted-printable soft line breaks, so links are whole.
  return fs.readFileSync(file, "utf8").replace(/=\r?\n/g, "");
}

/** The mails to `address` so far, oldest first. */
export function mailsTo(address: string): string[] {
  if (!fs.existsSync(mailDir)) return [];
  return fs
    .readdirSync(mailDir)
    .filter((f) => f.endsWith(".eml"))
    .map((f) => path.join(mailDir, f))
    .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs)
    .map(read)
    .filter((m) => new RegExp(`^To: ${address.replace(/[.]/g, "\\.")}\\s*$`, "m").test(m));
}

/** Waits for the `n`-th mail to `address` and returns the sign-in link in it. */
export async function waitForLink(address: string, n = 1): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mails = mailsTo(address);
    if (mails.length >= n) {
      const match = mails[n - 1].match(/https?:\/\/[^\s"<>]+\/auth\/[A-Za-z0-9_-]+/);
      if (match) return match[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail number ${n} to ${address} in ${mailDir}`);
}
