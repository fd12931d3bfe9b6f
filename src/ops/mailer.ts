/**
 * Outgoing email (invitations, password resets) through a pluggable hook. With SMTP_HOST set
 * the hook sends with nodemailer (loaded on first use); without it there is no mailer and the
 * API hands the links to the admin instead.
 */
import type { Config } from '../config/schema.ts';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
}

export class MailerError extends Error {
  override name = 'MailerError';
}

type SmtpConfig = Pick<
  Config,
  'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURE' | 'SMTP_USER' | 'SMTP_PASSWORD' | 'SMTP_FROM'
>;

/** The SMTP mailer of the configuration, or null when SMTP_HOST is unset. */
export function createSmtpMailer(config: SmtpConfig): Mailer | null {
  const host = config.SMTP_HOST;
  if (!host) return null;
  let transport: Promise<import('nodemailer').Transporter> | undefined;
  const open = async () => {
    const nodemailer = await import('nodemailer');
    return nodemailer.createTransport({
      host,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      ...(config.SMTP_USER ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD ?? '' } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  };
  return {
    async send(email) {
      transport ??= open();
      try {
        await (await transport).sendMail({ from: config.SMTP_FROM, ...email });
      } catch (err) {
        throw new MailerError(
          `SMTP delivery to ${host}:${config.SMTP_PORT} failed: ${(err as Error).message}`,
        );
      }
    },
  };
}
