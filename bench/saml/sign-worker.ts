/** Worker of sign-pool.ts: signs its share of the responses and posts them back (base64). */
import { parentPort, workerData } from 'node:worker_threads';
import { base64, signedResponse } from './responses.ts';
import type { SignJob } from './sign-pool.ts';

const job = workerData as SignJob;
parentPort!.postMessage(job.specs.map((spec) => base64(signedResponse(job.target, spec, job.now))));
