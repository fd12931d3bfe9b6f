/**
 * Every sign-in page audited by axe-core (Deque's rules engine, the one browser devtools and
 * Lighthouse use) in Chromium, against WCAG 2.2 A and AA and axe's best practices: the email and
 * password steps, a refusal, the single sign-on name prompt, the failure page of a refused SSO
 * sign-in, an invitation, and the signed-in page. Each page in each state must have no violation.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserWorld, PASSWORD, startBrowserWorld } from './world.ts';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

interface AxeViolation {
  id: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

let world: BrowserWorld;
let page: Page;

beforeAll(async () => {
  world = await startBrowserWorld();
  // The pages forbid inline and foreign scripts (CSP); the audit's own script is let in.
  const context = await world.browser.newContext({ bypassCSP: true });
  page = await context.newPage();
});

afterAll(() => world?.close());

/** axe's violations on the page as it is now, as "rule: help (where)" lines. */
async function violations(): Promise<string[]> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  const found = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(TAGS)} } }).then((r) => r.violations)`,
  )) as AxeViolation[];
  return found.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

async function signInAsCarol(): Promise<void> {
  await page.goto(`${world.base}/login`);
  await page.getByLabel('Email').fill('carol@globex.test');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#signed-in').waitFor();
}

describe('accessibility of the sign-in pages (axe-core, WCAG 2.2 A/AA)', () => {
  it('the audit finds a violation when there is one (an image without a text alternative)', async () => {
    await page.goto(`${world.base}/login`);
    await page.evaluate(`document.querySelector('main').append(document.createElement('img'))`);
    expect((await violations()).some((v) => v.startsWith('image-alt:'))).toBe(true);
  });

  it('the email step has no violations', async () => {
    await page.goto(`${world.base}/login`);
    expect(await violations()).toEqual([]);
  });

  it('the password step and a refused password have no violations', async () => {
    await page.goto(`${world.base}/login`);
    await page.getByLabel('Email').fill('carol@globex.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').waitFor();
    expect(await violations()).toEqual([]);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await violations()).toEqual([]);
  });

  it('the single sign-on name prompt, also with its error, has no violations', async () => {
    await page.goto(`${world.base}/login`);
    await page.getByRole('link', { name: 'Single Sign-On' }).click();
    await page.getByLabel('Single sign-on name').waitFor();
    expect(await violations()).toEqual([]);
    await page.getByLabel('Single sign-on name').fill('no-such-name');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    expect(await violations()).toEqual([]);
  });

  it('the failure page of a refused SSO sign-in has no violations', async () => {
    const res = await page.goto(`${world.base}/api/v1/auth/oidc/acme-oidc/callback/?code=x&state=unknown`);
    expect(res?.status()).toBeGreaterThanOrEqual(400);
    expect(await page.locator('h1').textContent()).toBeTruthy();
    expect(await violations()).toEqual([]);
  });

  it('the invitation page has no violations', async () => {
    const orgs = await world.app.inject({
      method: 'GET',
      url: '/api/v1/organisations',
      headers: world.adminHeaders,
    });
    const orgId = (orgs.json() as { items: Array<{ id: string; slug: string }> }).items.find(
      (o) => o.slug === 'globex',
    )!.id;
    const invited = await world.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${orgId}/invitations`,
      headers: world.adminHeaders,
      payload: { email: 'erin@globex.test', firstName: 'Erin', role: 'member' },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    const url = new URL((invited.json() as { url: string }).url);
    await page.goto(`${world.base}${url.pathname}${url.search}`);
    await page.getByLabel('New password').waitFor();
    expect(await violations()).toEqual([]);
  });

  it('the signed-in page has no violations', async () => {
    await signInAsCarol();
    expect(await violations()).toEqual([]);
  });
});
