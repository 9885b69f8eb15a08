/**
 * A counting SMTP peer for the fan-out scenarios: it keeps no message
 * bodies (100,000 of them would measure the sink, not the sender), only how
 * many messages each recipient received and when the first and last came.
 */
import { SMTPServer } from "smtp-server";

export interface CountingSink {
  url: string;
  total(): number;
  /** Recipients that received more than one message. */
  duplicates(): number;
  recipients(): number;
  /** Milliseconds between the first and the last message. */
  span(): number;
  firstAt(): number;
  lastAt(): number;
  /** The first message received, raw, so a baseline can send the same bytes. */
  sample(): Buffer | undefined;
  reset(): void;
  /** Waits for `count` messages; fails when none arrives for `stallMs` or `alive()` turns false. */
  waitFor(count: number, timeoutMs: number, options?: { stallMs?: number; alive?: () => boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingSink(): Promise<CountingSink> {
  let perRecipient = new Map<string, number>();
  let total = 0;
  let first = 0;
  let last = 0;
  let sample: Buffer | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    maxClients: 100,
    onData(stream, session, callback) {
      const chunks: Buffer[] | undefined = sample ? undefined : [];
      stream.on("data", (chunk: Buffer) => chunks?.push(chunk));
      stream.on("end", () => {
        if (chunks && !sample) sample = Buffer.concat(chunks);
        const now = performance.now();
        if (total === 0) first = now;
        last = now;
        total += 1;
        for (const rcpt of session.envelope.rcptTo) {
          const key = rcpt.address.toLowerCase();
          perRecipient.set(key, (perRecipient.get(key) ?? 0) + 1);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    total: () => total,
    duplicates: () => [...perRecipient.values()].filter((n) => n > 1).length,
    recipients: () => perRecipient.size,
    span: () => last - first,
    firstAt: () => first,
    lastAt: () => last,
    sample: () => sample,
    reset() {
      perRecipient = new Map();
      total = 0;
      first = 0;
      last = 0;
    },
    async waitFor(count, timeoutMs, options = {}) {
      const deadline = performance.now() + timeoutMs;
      const stallMs = options.stallMs ?? 30_000;
      let seen = total;
      let progressAt = performance.now();
      while (total < count) {
        const now = performance.now();
        if (total !== seen) {
          seen = total;
          progressAt = now;
        }
        if (now > deadline) throw new Error(`expected ${count} messages, the sink got ${total}`);
        if (now - progressAt > stallMs) throw new Error(`expected ${count} messages, the sink got ${total} and nothing more for ${stallMs / 1000} s`);
        if (options.alive && !options.alive()) throw new Error(`expected ${count} messages, the sink got ${total} when a sender exited`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
