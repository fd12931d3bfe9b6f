/** Options of the sign-in experience: where people may be sent back to, and the login page's look. */
import { z } from 'zod';
import { commaList } from './values.ts';

const origin = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v.replace(/\/$/, '');
      } catch {
        return false;
      }
    },
    { message: 'expected origins such as https://app.example.com (scheme, host and port only)' },
  )
  .transform((v) => new URL(v).origin);

export const loginPageOptions = {
  ALLOWED_REDIRECT_ORIGINS: {
    schema: commaList.pipe(z.array(origin)).default([]),
    doc: "Comma-separated origins of your apps that `next`, RelayState and other return paths may point to, besides this instance's own origin and each SSO configuration's frontend URL. Anything else falls back to `/`.",
    defaultText: '(only BASE_URL)',
  },
  LOGIN_PAGE_TITLE: {
    schema: z.string().trim().min(1).max(100).default('Sign in'),
    doc: 'Heading of the login page.',
    defaultText: 'Sign in',
  },
  LOGIN_LOGO_URL: {
    schema: z.string().trim().url({ message: 'expected a URL' }).optional(),
    doc: 'Image shown at the top of the login page (allowed by its Content-Security-Policy).',
  },
  LOGIN_THEME: {
    schema: z
      .string()
      .trim()
      .regex(/^(\s*--[a-z][a-z0-9-]*\s*:\s*[#(),.%\w\s-]+;?)*\s*$/i, {
        message: 'expected CSS custom properties such as --accent: #0b6e4f; --radius: 6px',
      })
      .optional(),
    doc: 'CSS custom properties that theme the login page, e.g. `--accent: #0b6e4f; --background: #f6f7f9; --text: #1c1e21; --radius: 6px; --font: system-ui`.',
  },
  LOGIN_SOCIAL_CONNECTIONS: {
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
      )
      .optional(),
    doc: 'Names of OIDC configurations shown as buttons on the login page ("Sign in with Google"). Default: the connections created from GOOGLE_*, MICROSOFT_* and GITHUB_* variables.',
    defaultText: '(environment-configured google, microsoft, github)',
  },
};
