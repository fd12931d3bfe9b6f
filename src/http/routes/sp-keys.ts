/** The instance's SAML SP certificates and their two-step rotation (instance admins). */
import { z } from 'zod';
import type { SecretBox } from '../../credentials/secret-box.ts';
import { certificateFingerprint } from '../../saml/sp-keys.ts';
import type { SamlFlow } from '../../sso/saml-flow.ts';
import { rotateSpKey } from '../../sso/sp-keys.ts';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { requireInstanceAdmin } from '../principal.ts';
import { errorResponses } from '../schemas.ts';

const tags = ['saml-sp-keys'];
const keySchema = z.object({
  id: z.string(),
  use: z.enum(['signing', 'encryption']),
  status: z.enum(['active', 'next', 'previous']),
  fingerprintSha256: z.string(),
  notAfter: z.number(),
  certificatePem: z.string(),
});

export function registerSpKeyRoutes(app: App, ctx: AppContext, box: SecretBox, flow: SamlFlow): void {
  const list = async () => {
    await flow.keys(); // creates the keys on first use
    return (await ctx.store.spKeys.list()).map((k) => ({
      id: k.id,
      use: k.use,
      status: k.status,
      fingerprintSha256: certificateFingerprint(k.certificatePem),
      notAfter: k.notAfter,
      certificatePem: k.certificatePem,
    }));
  };

  app.get(
    '/api/v1/saml/sp-keys',
    {
      schema: {
        tags,
        summary: 'The SP certificates (never the private keys)',
        response: { 200: z.object({ items: z.array(keySchema) }), ...errorResponses },
      },
    },
    async (request) => {
      await requireInstanceAdmin(ctx, request);
      return { items: await list() };
    },
  );

  app.post(
    '/api/v1/saml/sp-keys/rotate',
    {
      schema: {
        tags,
        summary:
          'Rotate an SP key: "begin" publishes a new certificate beside the active one; "complete" makes it active (the old one still decrypts)',
        body: z.strictObject({ use: z.enum(['signing', 'encryption']), step: z.enum(['begin', 'complete']) }),
        response: { 200: z.object({ items: z.array(keySchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = await requireInstanceAdmin(ctx, request);
      await flow.keys();
      await rotateSpKey(
        ctx.store,
        box,
        request.body.use,
        request.body.step,
        new URL(ctx.config.BASE_URL).hostname,
      );
      await audit(
        ctx.store,
        principal,
        null,
        `sp_key.rotate_${request.body.step}`,
        { type: 'sp_key', id: null },
        { use: request.body.use },
      );
      flow.forgetKeys();
      return { items: await list() };
    },
  );
}
