/**
 * Worker thread of the import pool (prepare-pool.ts): prepares batches of customer rows (normalise phones
 * and e-mails, AES-GCM, HMAC, COPY text) off intake's main thread. It gets the PII keys from its parent
 * (the same process; never logged) and answers each batch with its id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PiiCipher } from '../customers/pii-cipher';
import { prepareCustomerBatch } from './customer-batch';
import { DomainError } from '@closeloop/contracts';
import { createLogger } from '@closeloop/observability';
import type { PrepareReply, PrepareRequest, PrepareWorkerData } from './prepare-pool.service';

const data = workerData as PrepareWorkerData;
const log = createLogger('import-worker');
// The batch AES-GCM (decision 0016) only here, and only if its start-up self-test against OpenSSL passes
// (decision 0017); otherwise this worker encrypts value by value through node:crypto.
const cipher = new PiiCipher(data.keys, data.activeKey, Buffer.from(data.hmacKey, 'base64'), {
  batch: true,
  onSelfTestFailure: (reason) =>
    log.error({ reason }, 'batch AES-GCM self-test failed: encrypting through node:crypto instead'),
});

parentPort!.on('message', (request: PrepareRequest) => {
  let reply: PrepareReply;
  try {
    reply = {
      id: request.id,
      batch: prepareCustomerBatch(request.input, cipher, request.options),
    };
  } catch (error) {
    // The message only: a stack or a value of the row must not travel (no personal data in logs). A
    // DomainError (an unreadable csv record) keeps its code: the import fails with it, as on the main thread.
    reply = {
      id: request.id,
      error: error instanceof Error ? error.message.slice(0, 300) : 'failed',
      code: error instanceof DomainError ? error.code : undefined,
    };
  }
  parentPort!.postMessage(reply);
});
