/**
 * Signs many test responses on worker threads (xml-crypto signing costs ~15 ms per Okta-like
 * response, so a few thousand take too long on one thread). Runs before anything is timed.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ResponseSpec, Target } from './responses.ts';

export interface SignJob {
  target: Target;
  specs: ResponseSpec[];
  now: number;
}

/** Base64 SAMLResponse values, in the order of `specs`. */
export async function signInParallel(job: SignJob, threads = availableParallelism()): Promise<string[]> {
  const n = Math.max(1, Math.min(threads, job.specs.length));
  const chunk = Math.ceil(job.specs.length / n);
  const parts = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const specs = job.specs.slice(i * chunk, (i + 1) * chunk);
      return new Promise<string[]>((resolve, reject) => {
        const worker = new Worker(new URL('./sign-worker.ts', import.meta.url), {
          workerData: { ...job, specs } satisfies SignJob,
        });
        worker.once('message', (signed: string[]) => {
          resolve(signed);
          void worker.terminate();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0 && code !== 1) reject(new Error(`signing worker exited with ${code}`));
        });
      });
    }),
  );
  return parts.flat();
}
