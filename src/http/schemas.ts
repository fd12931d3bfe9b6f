/**
 * Request and response schemas shared by the routes. Response schemas are the allowlist of
 * what leaves the server: fields not named here (hashes, secrets) are never serialised.
 */
import { z } from 'zod';

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
};

export const id = z.string().min(1).max(64);
export const orgParams = z.strictObject({ orgId: id });

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

export const slug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
    'lowercase letters, digits and inner hyphens, 1-64 characters',
  );

// Control characters (C0 and DEL) have no place in names and break logs and CSV exports.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export const displayText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !CONTROL_CHARACTERS.test(v), 'control characters are not allowed');

export const optionalName = z
  .string()
  .trim()
  .max(200)
  .refine((v) => !CONTROL_CHARACTERS.test(v), 'control characters are not allowed');

// A practical address check (RFC 5321 lengths); deliverability is the IdP's business.
export const email = z
  .string()
  .trim()
  .max(254)
  .regex(
    /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/,
    'expected an email address',
  );

export const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/,
    'expected a domain name such as acme.com',
  );

export const attributes = z
  .record(z.string().max(100), z.json())
  .refine((v) => JSON.stringify(v).length <= 16_384, 'attributes must stay under 16 KB of JSON');

export const organisationSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  disabled: z.boolean(),
  isInstanceAdmin: z.boolean(),
  hasPassword: z.boolean(),
  attributes: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const groupSchema = z.object({
  id: z.string(),
  organisationId: z.string(),
  name: z.string(),
  externalId: z.string().nullable(),
  addNewUsersByDefault: z.boolean(),
  role: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const memberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  source: z.enum(['manual', 'sso']),
  createdAt: z.number(),
});

export const domainSchema = z.object({
  id: z.string(),
  organisationId: z.string(),
  domain: z.string(),
  verified: z.boolean(),
  enforceSso: z.boolean(),
  verificationRecord: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  organisationId: z.string().nullable(),
  role: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
