/** A real SMTP peer on 127.0.0.1 that records what it receives. */
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { vi } from "vitest";

export interface SmtpSink {
  url: string;
  port: number;
  messages: ParsedMail[];
  /** Addresses answered with 550 (a permanent failure). */
  rejectRecipients: Set<string>;
  /** While true every message is answered with 451 (a temporary failure). */
  failTemporarily: boolean;
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const rejectRecipients = new Set<string>();
  const sink = { failTemporarily: false } as SmtpSink;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (rejectRecipients.has(address.address.toLowerCase())) {
        const error = Object.assign(new Error("Mailbox unavailable"), { responseCode: 550 });
        return callback(error);
      }
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        if (sink.failTemporarily) {
          return callback(Object.assign(new Error("Try again later"), { responseCode: 451 }));
        }
        messages.push(await simpleParser(Buffer.concat(chunks)));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${actualPort}`,
    port: actualPort,
    messages,
    rejectRecipients,
    waitFor: (count: number, timeoutMs = 15_000) =>
      vi.waitFor(
        () => {
          if (messages.length < count) throw new Error(`expected ${count} messages, got ${messages.length}`);
          return messages;
        },
        { timeout: timeoutMs, interval: 25 },
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
