/**
 * Builds the Fastify app without listening (main.ts listens; tests use inject or a port).
 * Infrastructure (errors, cookies, metrics, OpenAPI) is shared; each route module adds its
 * own authorisation.
 */
import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyReply } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import helmet from 'helmet';
import type { Config } from '../config/schema.ts';
import type { SecretBox } from '../credentials/secret-box.ts';
import { createTxtLookup, type TxtLookup } from '../ops/dns.ts';
import { loggerOptions } from '../ops/logger.ts';
import { createSmtpMailer, type Mailer } from '../ops/mailer.ts';
import { createMetrics, type Metrics } from '../ops/metrics.ts';
import { createCustomSignIn } from '../sso/custom-sign-in.ts';
import { createOidcFlow } from '../sso/oidc-flow.ts';
import type { Transport } from '../sso/outbound-fetch.ts';
import { createSamlFlow } from '../sso/saml-flow.ts';
import type { Store } from '../store/store.ts';
import { registerAutoSubmitScript } from './auto-post-page.ts';
import type { App, AppContext } from './context.ts';
import { ApiError, errorBody, handleError } from './errors.ts';
import { registerApiKeyRoutes } from './routes/api-keys.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerCustomSignInRoutes } from './routes/custom-sign-in.ts';
import { registerDomainRoutes } from './routes/domains.ts';
import { registerGroupRoutes } from './routes/groups.ts';
import { registerIdentityLinkRoutes } from './routes/identity-links.ts';
import { registerLoginPageRoutes } from './routes/login-page.ts';
import { registerLoginPolicyRoutes } from './routes/login-policy.ts';
import { registerOidcRoutes } from './routes/oidc.ts';
import { registerOidcConfigurationRoutes } from './routes/oidc-configurations.ts';
import { registerOperationRoutes } from './routes/operations.ts';
import { registerOrganisationRoutes } from './routes/organisations.ts';
import { registerOwnSessionRoutes } from './routes/own-sessions.ts';
import { registerPasswordAccountRoutes } from './routes/password-accounts.ts';
import { registerPasswordLoginRoutes } from './routes/password-login.ts';
import { registerPasswordPages } from './routes/password-pages.ts';
import { registerRecordRoutes } from './routes/records.ts';
import { registerSamlRoutes } from './routes/saml.ts';
import { registerSamlConfigurationRoutes } from './routes/saml-configurations.ts';
import { registerSpKeyRoutes } from './routes/sp-keys.ts';
import { registerUserRoutes } from './routes/users.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  metrics?: Metrics;
  /** A pino logger to use instead of one built from LOG_LEVEL. */
  logger?: FastifyBaseLogger;
  /** Liveness of the database, for /readyz. */
  ping: () => Promise<void>;
  /** Seals secrets at rest (SP private keys, client secrets). */
  box: SecretBox;
  /** The email hook; by default SMTP when SMTP_HOST is set, else none. */
  mailer?: Mailer | null;
  /** TXT look-ups for domain verification; by default node:dns with DNS_RESOLVERS. */
  txtLookup?: TxtLookup;
  /** The network under requests to identity providers; tests route remote SaaS hosts to loopback fakes. */
  idpTransport?: Transport;
}

const BODY_LIMIT_BYTES = 1024 * 1024;

/** TRUST_PROXY as Fastify takes it: a boolean, a hop count, or a list of addresses/CIDRs. */
function trustProxySetting(
  value: boolean | number | string,
): boolean | string[] | ((addr: string, hop: number) => boolean) {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return (_addr, hop) => hop < value;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000') || containsNul(v, depth + 1)) return true;
  }
  return false;
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const ctx: AppContext = {
    config,
    store: deps.store,
    metrics,
    sessionPolicy: {
      idleSeconds: config.SESSION_IDLE_TIMEOUT_SECONDS,
      absoluteSeconds: config.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
    },
    secureCookies: new URL(config.BASE_URL).protocol === 'https:',
    origin: new URL(config.BASE_URL).origin,
    mailer: deps.mailer !== undefined ? deps.mailer : createSmtpMailer(config),
    txtLookup: deps.txtLookup ?? createTxtLookup(config.DNS_RESOLVERS),
  };

  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config.LOG_LEVEL) }),
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors Fastify raises before routing (a bad percent-encoding, an over-long path
    // parameter) get the same error format as everything else.
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      (reply as FastifyReply)
        .status(tooLong ? 414 : 400)
        .send(
          errorBody(
            tooLong ? 'uri_too_long' : 'invalid_request',
            tooLong ? 'A path parameter is too long' : 'The URL is not valid',
          ),
        );
    },
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  if (config.TRUST_PROXY === true) {
    // proxy-addr then takes the left-most X-Forwarded-For entry, which a client writes itself
    // whenever the proxy appends rather than replaces (attacks.md W-RATE-4).
    app.log.warn(
      { event: 'trust_proxy_true' },
      'TRUST_PROXY=true trusts every X-Forwarded-For entry: a client can choose the address that the per-address limits count and traces record. Set the proxy addresses or a hop count instead.',
    );
  }

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });

  await app.register(fastifyCookie);
  // Only routes that ask for it are limited (the ACS); the answer is in the error format.
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => {
      const error = new ApiError('rate_limited', `Too many requests; try again in ${context.after}`);
      return Object.assign(error, { statusCode: 429 });
    },
  });
  await app.register(fastifyFormbody, { bodyLimit: BODY_LIMIT_BYTES });
  // Helmet's default headers on every answer. The middleware is built once: the @fastify/helmet
  // wrapper builds it again on every request (about 2% of an OIDC callback's CPU).
  const securityHeaders = helmet();
  app.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined)),
  );
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Drawbridge API',
        version: '0.1.0',
        description:
          'Self-hosted single sign-on for multi-tenant web apps. Errors: {"error":{"code","message"}}.',
      },
      servers: [{ url: config.BASE_URL }],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Api-Key <key>' },
          session: { type: 'apiKey', in: 'cookie', name: config.SESSION_COOKIE_NAME },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // NUL is valid in no field, and PostgreSQL refuses it in text: refuse it at the door.
    if (/%00/i.test(request.url) || request.url.includes('\u0000'))
      throw new ApiError('invalid_request', 'NUL characters are not allowed');
    // A cookie-authenticated write from another origin is refused (CSRF); API-key calls carry
    // no ambient credential and are exempt.
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
    if (request.headers.authorization !== undefined) return;
    // The SAML ACS is posted to by the IdP's page, from the IdP's origin, by design (SAML
    // Bindings §3.5): its protection is the signed response and the browser binding, not Origin.
    if (request.routeOptions.config?.crossSitePost) return;
    if (request.cookies?.[config.SESSION_COOKIE_NAME] === undefined && !request.headers.cookie) return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== ctx.origin) {
      throw new ApiError('csrf_origin_mismatch', 'Cross-origin request refused');
    }
  });

  app.addHook('preValidation', async (request) => {
    if (containsNul(request.body)) throw new ApiError('invalid_request', 'NUL characters are not allowed');
  });

  // RFC 9110 §11.6.1: a 401 names how to authenticate. Api-Key is the scheme the API takes (a
  // scheme browsers do not know, so they show no password prompt).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate'))
      reply.header('www-authenticate', 'Api-Key realm="Drawbridge"');
    done(null, payload);
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route };
    metrics.requests.inc({ ...labels, status: String(reply.statusCode) });
    metrics.duration.observe(labels, reply.elapsedTime / 1000);
  });

  registerOperationRoutes(app, ctx, deps.ping);
  registerAuthRoutes(app, ctx);
  registerPasswordLoginRoutes(app, ctx);
  registerPasswordAccountRoutes(app, ctx);
  registerOwnSessionRoutes(app, ctx);
  registerLoginPolicyRoutes(app, ctx);
  registerOrganisationRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerGroupRoutes(app, ctx);
  registerDomainRoutes(app, ctx);
  registerApiKeyRoutes(app, ctx);
  registerRecordRoutes(app, ctx);
  const samlFlow = createSamlFlow({ config, store: deps.store, box: deps.box });
  registerSamlConfigurationRoutes(app, ctx);
  registerSamlRoutes(app, ctx, samlFlow);
  const oidcFlow = createOidcFlow({
    config,
    store: deps.store,
    box: deps.box,
    ...(deps.idpTransport ? { transport: deps.idpTransport } : {}),
  });
  registerOidcConfigurationRoutes(app, ctx, deps.box, oidcFlow);
  registerOidcRoutes(app, ctx, oidcFlow);
  registerLoginPageRoutes(app, ctx);
  registerIdentityLinkRoutes(app, ctx);
  registerPasswordPages(app, ctx);
  registerCustomSignInRoutes(app, ctx, createCustomSignIn({ config, store: deps.store }));
  registerSpKeyRoutes(app, ctx, deps.box, samlFlow);
  registerAutoSubmitScript(app);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.ready();
  return app as unknown as App;
}
