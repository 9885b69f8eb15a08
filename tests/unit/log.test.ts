import { afterEach, describe, expect, it, vi } from "vitest";
import { errorMessage, log, redactEmails, setLogLevel } from "@/lib/log";
import { startBackgroundJobs } from "@/jobs";

/** Captures what log() writes to stdout and stderr. */
function capture() {
  const lines: string[] = [];
  const write = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(write);
  vi.spyOn(process.stderr, "write").mockImplementation(write);
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
  setLogLevel("silent");
});

describe("structured logs", () => {
  it("writes one JSON object per line with time, level and event", () => {
    setLogLevel("info");
    const lines = capture();
    log("info", "request", { requestId: "abc", status: 200 });
    log("debug", "hidden");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", event: "request", requestId: "abc", status: 200, time: expect.any(String) });
  });

  it("keeps a newline in a field from starting a forged line", () => {
    setLogLevel("info");
    const lines = capture();
    log("info", "request", { path: '/x\n{"level":"error","event":"forged"}' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).event).toBe("request");
  });

  it("replaces email addresses anywhere in a line, errors from SMTP servers included", () => {
    setLogLevel("info");
    const lines = capture();
    log("warn", "mail.failed", { error: "550 5.1.1 <mario.rossi+avvisi@comune.example.it>: Recipient address rejected", to: "a.b@c.it" });
    expect(lines[0]).not.toMatch(/@/);
    expect(JSON.parse(lines[0]!).error).toBe("550 5.1.1 <[email]>: Recipient address rejected");
    expect(redactEmails("nessun indirizzo qui")).toBe("nessun indirizzo qui");
  });

  it("describes errors without stacks or query parameters, naming the cause", () => {
    const cause = Object.assign(new Error("SQLITE_BUSY: database is locked"), { name: "LibsqlError" });
    const error = new Error('Failed query: insert into "users" ("email") values (?)\nparams: mario.rossi@comune.example.it', { cause });
    const message = errorMessage(error);
    expect(message).toBe('Error: Failed query: insert into "users" ("email") values (?) (causa: LibsqlError: SQLITE_BUSY: database is locked)');
    expect(message).not.toContain("params");
    expect(errorMessage(new Error("x".repeat(5000))).length).toBeLessThanOrEqual(1000);
  });

  it("logs background jobs starting, failing without a stack, and stopping", async () => {
    setLogLevel("info");
    const lines = capture();
    let calls = 0;
    const running = startBackgroundJobs([
      {
        name: "prova",
        intervalMs: 5,
        async run() {
          calls += 1;
          if (calls === 1) throw new Error("primo giro fallito per mario.rossi@comune.example.it");
        },
      },
    ]);
    await expect.poll(() => calls, { interval: 5 }).toBeGreaterThanOrEqual(3);
    await running.stop();
    const events = lines.map((l) => JSON.parse(l) as { event: string; job?: string; error?: string });
    expect(events[0]).toMatchObject({ event: "job.started", job: "prova" });
    expect(events.find((e) => e.event === "job.failed")).toMatchObject({ job: "prova", error: "Error: primo giro fallito per [email]" });
    expect(events.at(-1)).toMatchObject({ event: "job.stopped", job: "prova" });
    expect(lines.join("\n")).not.toMatch(/\n\s+at /);
  });
});
