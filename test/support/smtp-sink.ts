/**
 * A real SMTP server on loopback for tests (smtp-server): it accepts every message, keeps it,
 * and can be told to refuse recipients, so delivery failures are real SMTP replies too.
 */
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  /** The message as sent (headers and body, transfer encoding undone for quoted-printable). */
  text: string;
}

export interface SmtpSink {
  port: number;
  messages: ReceivedMail[];
  /** When true, every recipient is refused with 550. */
  refuseRecipients: boolean;
  /** Resolves with the next message that arrives (or the first unread one). */
  next(): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Undoes quoted-printable soft line breaks and =XX escapes (what nodemailer uses for long lines). */
export function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const waiting: ((m: ReceivedMail) => void)[] = [];
  let read = 0;
  const sink: SmtpSink = {
    port: 0,
    messages: [],
    refuseRecipients: false,
    next() {
      const unread = sink.messages[read];
      if (unread) {
        read += 1;
        return Promise.resolve(unread);
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (sink.refuseRecipients) {
        const err = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          text: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')),
        };
        sink.messages.push(mail);
        const resolve = waiting.shift();
        if (resolve) {
          read += 1;
          resolve(mail);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as { port: number }).port;
  return sink;
}
