/**
 * SAML Response validation on a worker thread. Parsing, canonicalising and verifying a response
 * is most of an ACS request's CPU time (about 0.4 ms of 1.8 ms); on its own thread it runs beside
 * the event loop, which meanwhile serves other requests and commits logins, so a server uses its
 * second core and a large or slow message never stalls unrelated requests. The validator is the
 * same pure function (src/saml/validate-response.ts); refusals come back as the same error class
 * with the same code and detail. The thread starts at the first ACS request (idle instances do
 * not carry it), is restarted if it dies, and never keeps the process alive on its own.
 */
import { Worker } from 'node:worker_threads';
import { SamlConfigError, type SamlConfigErrorCode } from '../saml/config-errors.ts';
import { SamlError, type SamlErrorCode } from '../saml/errors.ts';
import type { ResponseValidationSettings, ValidatedAssertion } from '../saml/validate-response.ts';
import type { ValidationAnswer, ValidationJob } from './saml-validation-worker.ts';

interface Waiting {
  resolve: (value: ValidatedAssertion) => void;
  reject: (error: unknown) => void;
}

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, Waiting>();

function toError(error: Extract<ValidationAnswer, { ok: false }>['error']): Error {
  if (error.kind === 'saml') {
    return new SamlError(
      error.code as SamlErrorCode,
      error.message,
      error.detail as Record<string, unknown> | undefined,
    );
  }
  if (error.kind === 'config') return new SamlConfigError(error.code as SamlConfigErrorCode, error.message);
  return new Error(error.message);
}

function failAll(cause: unknown): void {
  for (const w of waiting.values()) w.reject(cause);
  waiting.clear();
}

function thread(): Worker {
  if (worker) return worker;
  // Beside this file with its extension: .ts run from src/, .js from the build in dist/.
  const own = import.meta.url.slice(import.meta.url.lastIndexOf('.'));
  const started = new Worker(new URL(`./saml-validation-worker${own}`, import.meta.url));
  started.on('message', (answer: ValidationAnswer) => {
    const w = waiting.get(answer.id);
    if (!w) return;
    waiting.delete(answer.id);
    if (waiting.size === 0) started.unref();
    if (answer.ok) w.resolve(answer.value);
    else w.reject(toError(answer.error));
  });
  const lost = (cause: unknown) => {
    if (worker === started) worker = undefined;
    failAll(cause instanceof Error ? cause : new Error('the SAML validation thread stopped'));
  };
  started.on('error', lost);
  started.on('exit', (code) => lost(new Error(`the SAML validation thread exited (${code})`)));
  started.unref();
  worker = started;
  return started;
}

/**
 * validateResponse (src/saml/validate-response.ts) on the validation thread.
 *
 * @throws SamlError, SamlConfigError exactly as validateResponse does
 */
export function validateOnThread(
  samlResponse: string,
  settings: ResponseValidationSettings,
  now: number,
): Promise<ValidatedAssertion> {
  return new Promise((resolve, reject) => {
    const t = thread();
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    if (waiting.size === 1) t.ref();
    const job: ValidationJob = { id, samlResponse, settings, now };
    t.postMessage(job);
  });
}
