/**
 * The login page in a real browser (Debian's Chromium driven by playwright-core) against a real
 * listening Drawbridge and a real OpenID Provider: password sign-in, home-realm discovery to the
 * provider and back, the SSO name prompt, and what a refused person reads.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/context.ts';
import { type BrowserWorld, PASSWORD, startBrowserWorld } from './world.ts';

let world: BrowserWorld;
let app: App;
let base: string;
let page: Page;
let adminHeaders: Record<string, string>;

beforeAll(async () => {
  world = await startBrowserWorld();
  ({ app, base, adminHeaders } = world);
});

afterAll(() => world?.close());

beforeEach(async () => {
  const context = await world.browser.newContext();
  page = await context.newPage();
});

describe('the login page in Chromium', () => {
  it('signs in with email and password: the password field appears after the email step', async () => {
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill('carol@globex.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#signed-in').textContent()).toContain('carol@globex.test');
  });

  it('shows the refusal without saying whether the email exists', async () => {
    for (const email of ['carol@globex.test', 'nobody@globex.test']) {
      await page.goto(`${base}/login`);
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Password').fill('not the password at all');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('The email or password is wrong.');
    }
  });

  it('sends an email of a verified SSO domain to the organisation identity provider and back, signed in (home-realm discovery)', async () => {
    await page.goto(`${base}/login?next=/`);
    await page.getByLabel('Email').fill('alice@acme.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    // oidc-provider's own login and consent pages.
    await page.waitForURL(/127\.0\.0\.1/);
    await page.locator('input[name="login"]').fill('alice@acme.test');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${base}/`);
    await expect.poll(() => page.locator('#signed-in').textContent()).toContain('alice@acme.test');
  });

  it('enforces SSO for a verified domain: even a password posted for it sends the person to the identity provider', async () => {
    await page.goto(`${base}/login`);
    const csrf = await page.locator('input[name="csrf"]').inputValue();
    // What an old bookmark or a hand-made form would post: the password step, skipping discovery.
    const fields = JSON.stringify({ email: 'alice@acme.test', password: PASSWORD, next: '/', csrf });
    // Evaluated in the page (the test itself is compiled without DOM types).
    await page.evaluate(`(() => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = '/login/password';
      for (const [name, value] of Object.entries(${fields})) {
        const input = document.createElement('input');
        input.name = name;
        input.value = value;
        f.append(input);
      }
      document.body.append(f);
      f.submit();
    })()`);
    await page.waitForURL(/127\.0\.0\.1/);
    expect(await page.locator('input[name="login"]').count()).toBe(1);
  });

  it('asks for the configuration name behind "Single Sign-On", and says when it is unknown', async () => {
    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: 'Single Sign-On' }).click();
    await page.getByLabel('Single sign-on name').fill('no-such-name');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('There is no single sign-on configuration with that name.');
    await page.getByLabel('Single sign-on name').fill('acme-oidc');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/127\.0\.0\.1/);
    expect(new URL(page.url()).pathname).toMatch(/^\/(auth|interaction)/);
  });

  it('accepts an invitation link: the person chooses a password (too common refused) and then signs in', async () => {
    const orgs = await app.inject({ method: 'GET', url: '/api/v1/organisations', headers: adminHeaders });
    const orgId = (orgs.json() as { items: Array<{ id: string; slug: string }> }).items.find(
      (o) => o.slug === 'globex',
    )!.id;
    const invited = await app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${orgId}/invitations`,
      headers: adminHeaders,
      payload: { email: 'dave@globex.test', firstName: 'Dave', role: 'member' },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    const url = new URL((invited.json() as { url: string }).url);
    await page.goto(`${base}${url.pathname}${url.search}`);
    await page.getByLabel('New password').fill('password1234');
    await page.getByLabel('Repeat it').fill('password1234');
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('That password is too common. Choose another one.');
    await page.getByLabel('New password').fill('ledger quiet orbit canyon');
    await page.getByLabel('Repeat it').fill('ledger quiet orbit canyon');
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Your password is set.');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill('dave@globex.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill('ledger quiet orbit canyon');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#signed-in').textContent()).toContain('dave@globex.test');
  });

  it('signs out from the signed-in page', async () => {
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill('carol@globex.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/login`);
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/login`);
  });
});
