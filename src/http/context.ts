/** What every route module receives: configuration, storage and metrics, built once per app. */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config/schema.ts';
import type { SessionPolicy } from '../credentials/sessions.ts';
import type { TxtLookup } from '../ops/dns.ts';
import type { Mailer } from '../ops/mailer.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Store } from '../store/store.ts';

export interface AppContext {
  config: Config;
  store: Store;
  metrics: Metrics;
  sessionPolicy: SessionPolicy;
  /** Whether cookies carry `Secure` (BASE_URL is https). */
  secureCookies: boolean;
  /** The origin of BASE_URL, for the CSRF origin check. */
  origin: string;
  /** Sends invitation and reset emails; null when no SMTP server is configured. */
  mailer: Mailer | null;
  /** TXT look-ups for email-domain verification (DNS_RESOLVERS). */
  txtLookup: TxtLookup;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
