/**
 * Runs on a worker thread (saml-validation-thread.ts): validates SAML Responses so that the
 * XML parsing, canonicalisation and signature checks do not occupy the event loop. The answer
 * is the validated assertion, or the refusal's class, code, message and detail, which the main
 * thread turns back into the same error.
 */
import { parentPort } from 'node:worker_threads';
import { SamlConfigError } from '../saml/config-errors.ts';
import { SamlError } from '../saml/errors.ts';
import { type ResponseValidationSettings, validateResponse } from '../saml/validate-response.ts';

export interface ValidationJob {
  id: number;
  samlResponse: string;
  settings: ResponseValidationSettings;
  now: number;
}

export type ValidationAnswer =
  | { id: number; ok: true; value: ReturnType<typeof validateResponse> }
  | {
      id: number;
      ok: false;
      error: { kind: 'saml' | 'config' | 'other'; code?: string; message: string; detail?: unknown };
    };

parentPort?.on('message', (job: ValidationJob) => {
  let answer: ValidationAnswer;
  try {
    answer = { id: job.id, ok: true, value: validateResponse(job.samlResponse, job.settings, job.now) };
  } catch (err) {
    const e = err as Error & { code?: string; detail?: unknown };
    const kind = err instanceof SamlError ? 'saml' : err instanceof SamlConfigError ? 'config' : 'other';
    answer = {
      id: job.id,
      ok: false,
      error: {
        kind,
        message: e.message ?? String(err),
        ...(kind !== 'other' ? { code: e.code } : {}),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
      },
    };
  }
  parentPort?.postMessage(answer);
});
