/**
 * The fan-out baseline: sends one recorded message to N generated recipients
 * straight through a pooled nodemailer transport (src/mail createMailer), with
 * no database in between, and prints one JSON line with its figures.
 * Usage: node --import tsx bench/baseline-mailer.ts <message.eml> <count> <smtp-url> <max-connections>
 */
import { readFileSync } from "node:fs";
import { simpleParser } from "mailparser";
import { createMailer } from "@/mail";
import { peakRss } from "./lib/processes";

const [file, countArg, smtpUrl, connectionsArg] = process.argv.slice(2);
if (!file || !countArg || !smtpUrl || !connectionsArg) {
  process.stderr.write("usage: baseline-mailer.ts <message.eml> <count> <smtp-url> <max-connections>\n");
  process.exit(2);
}
const count = Number(countArg);
const maxConnections = Number(connectionsArg);
const sample = await simpleParser(readFileSync(file));
const headers: Record<string, string> = {};
for (const name of ["list-unsubscribe", "list-unsubscribe-post", "list-id", "auto-submitted", "precedence"]) {
  const value = sample.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, "");
  if (value) headers[name] = value;
}
const mailer = createMailer({ smtpUrl, outboxDir: "unused", from: sample.from?.text ?? "bench@aggrega.localhost", messageIdDomain: "aggrega.localhost", pool: true, maxConnections });

const started = performance.now();
const cpuBefore = process.cpuUsage();
let next = 0;
// Keep a bounded number of messages in flight, as a worker sending a batch does.
async function lane() {
  while (next < count) {
    const i = next++;
    await mailer.send({
      to: `iscritto.${String(i).padStart(6, "0")}@bench.example`,
      subject: sample.subject ?? "",
      text: sample.text ?? "",
      html: typeof sample.html === "string" ? sample.html : undefined,
      headers,
    });
  }
}
await Promise.all(Array.from({ length: maxConnections * 2 }, lane));
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
await mailer.close();
process.stdout.write(`${JSON.stringify({ messages: count, ms, peakRss: peakRss(process.pid), cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
