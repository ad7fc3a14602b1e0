// Runs deploy/nats/nats-server.conf + accounts.conf as a real 3-node JetStream cluster on local ports and checks:
// the R3 stream from closeloop-events.stream.json, that the services' own ensureEventStream keeps it at R3,
// the partner's read-only access (fetch, ack, live events) and everything a partner must NOT be able to do,
// that the cluster keeps accepting events with one node down, and that user:password inside NATS_URL is
// ignored by the client the services use (why services need explicit credentials support).
// Usage: node deploy/check/nats-accounts-test.js <repo root>   (needs nats-server >= 2.9 and node_modules)
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(process.argv[2] || '.');
const req = (m) => require(require.resolve(m, { paths: [root] }));
const { connect } = req('@nats-io/transport-node');
const { jetstream, jetstreamManager } = req('@nats-io/jetstream');
const D = path.join(root, 'deploy/nats');
const BASE = Number(process.env.NATS_TEST_PORT_BASE || 24230);
const CLIENT = [0, 1, 2].map((i) => BASE + i);
const SERVERS = CLIENT.map((p) => `127.0.0.1:${p}`);
const PASS = {
  SYS_NATS_PASSWORD: 's',
  GATEWAY_NATS_PASSWORD: 'g',
  INTAKE_NATS_PASSWORD: 'i',
  ROUTING_NATS_PASSWORD: 'r',
  CLOSELOOP_ADMIN_NATS_PASSWORD: 'a',
  CLOSELOOP_CLI_NATS_PASSWORD: 'c',
  PARTNER_ACME_NATS_PASSWORD: 'p',
};

let passed = 0,
  failed = 0;
const check = (name, cond, detail = '') => {
  cond ? passed++ : failed++;
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${name}${detail ? `  (${detail})` : ''}`);
};
const attempt = async (f) => {
  try {
    return { ok: true, v: await f() };
  } catch (e) {
    return { ok: false, e: String(e.message || e) };
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'closeloop-nats-'));
const procs = [];
function startNode(i) {
  const conf = fs
    .readFileSync(path.join(D, 'nats-server.conf'), 'utf8')
    .replace(/^port: 4222/m, `host: 127.0.0.1\nport: ${CLIENT[i]}`)
    .replace(/^http_port: 8222/m, `http_port: ${BASE + 10 + i}`)
    .replace(/store_dir: "[^"]*"/, `store_dir: "${path.join(tmp, `n${i}`)}"`)
    .replace(/max_file_store: \S+/, 'max_file_store: 1GB')
    .replace(/^  port: 6222/m, `  port: ${BASE + 20 + i}`)
    .replace(
      /nats:\/\/nats-(\d)\.nats-headless[^:"]*:6222/g,
      (_m, n) => `nats://127.0.0.1:${BASE + 20 + Number(n)}`,
    );
  fs.writeFileSync(path.join(tmp, `n${i}.conf`), conf);
  fs.copyFileSync(path.join(D, 'accounts.conf'), path.join(tmp, 'accounts.conf'));
  const p = spawn('nats-server', ['-c', path.join(tmp, `n${i}.conf`)], {
    env: { ...process.env, ...PASS, SERVER_NAME: `nats-${i}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d) => {
    err += d;
  });
  p.on('exit', (code) => {
    if (code && !p.stopping) console.log(`nats-${i} exited ${code}: ${err.slice(-500)}`);
  });
  p.errTail = () => err.slice(-600);
  procs[i] = p;
}
const running = (p) => p && p.exitCode === null && p.signalCode === null;
// Stops the servers this script started and waits for them, so the ports and files are free afterwards.
async function shutdown() {
  await Promise.all(
    procs.filter(running).map(
      (p) =>
        new Promise((resolve) => {
          p.stopping = true;
          const force = setTimeout(() => p.kill('SIGKILL'), 10_000);
          p.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          p.kill('SIGTERM');
        }),
    ),
  );
  fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
}
process.on('exit', () => {
  for (const p of procs) if (running(p)) p.kill('SIGKILL');
});
const finish = async (code) => {
  await shutdown().catch((e) => console.log(`cleanup: ${e.message}`));
  process.exit(code);
};

(async () => {
  // Ready when every node routes to the two others and knows the JetStream meta leader. nats-server 2.9 can
  // split on a simultaneous first start (two nodes elect a 2-node meta group, the third sees no leader):
  // then start the cluster again from empty stores, up to three times.
  const monitor = (i, p) => fetch(`http://127.0.0.1:${BASE + 10 + i}${p}`).then((r) => r.json());
  for (let round = 1; ; round++) {
    [0, 1, 2].forEach(startNode);
    let formed = false;
    for (let t = 0; t < 40 && !formed; t++) {
      await sleep(500);
      const ready = await attempt(async () => {
        for (const i of [0, 1, 2]) {
          if ((await monitor(i, '/routez')).num_routes < 2) return false;
          const meta = (await monitor(i, '/jsz')).meta_cluster;
          if (!meta?.leader || meta.cluster_size !== 3) return false;
        }
        return true;
      });
      formed = ready.ok && ready.v;
    }
    if (formed) break;
    const states = await Promise.all(
      [0, 1, 2].map((i) => attempt(() => monitor(i, '/jsz')).then((r) => (r.ok ? r.v.meta_cluster : r.e))),
    );
    console.log(`cluster start ${round}: no common JetStream meta leader ${JSON.stringify(states)}`);
    if (round === 3) throw new Error('the 3-node cluster did not form');
    await shutdown();
    fs.mkdirSync(tmp, { recursive: true });
  }
  let admin;
  for (let t = 0; t < 50 && !admin; t++) {
    await sleep(200);
    admin = await connect({ servers: SERVERS, user: 'closeloop-admin', pass: 'a' }).catch(() => undefined);
  }
  let jsm;
  for (let t = 0; !jsm; t++) {
    // wait for the JetStream meta leader
    const r = await attempt(() => jetstreamManager(admin, { timeout: 2000 }));
    if (r.ok) jsm = r.v;
    else if (t > 20) throw new Error(`JetStream not ready: ${r.e}`);
    else await sleep(500);
  }
  const streamCfg = JSON.parse(fs.readFileSync(path.join(D, 'closeloop-events.stream.json'), 'utf8'));
  for (let t = 0; ; t++) {
    const r = await attempt(() => jsm.streams.add(streamCfg));
    if (r.ok) break;
    if (t > 60) throw new Error(`stream create: ${r.e}`);
    await sleep(500); // "no suitable peers for placement" until the leader has heard from every peer
  }
  let info = await jsm.streams.info('CLOSELOOP_EVENTS');
  check(
    'stream CLOSELOOP_EVENTS created with 3 replicas',
    info.config.num_replicas === 3 && info.cluster.replicas.length === 2,
    `leader ${info.cluster.leader}`,
  );

  // A service user reads replies only on its own inboxes (accounts.conf; connectNats sets this prefix).
  const svc = await connect({ servers: SERVERS, user: 'routing', pass: 'r', inboxPrefix: '_INBOX_routing' });
  const dist = path.join(root, 'dist/libs/messaging/src');
  // dist/ may be missing or mid-rebuild (scripts/build.mjs empties it first): then this check is skipped.
  const built = await attempt(() => {
    req('reflect-metadata');
    return [require(path.join(dist, 'nats.js')), require(path.join(dist, 'config.js'))];
  });
  if (built.ok) {
    const [{ ensureEventStream }, { defaultMessagingConfig }] = built.v;
    await ensureEventStream(await jetstreamManager(svc), defaultMessagingConfig('closeloop'));
    info = await jsm.streams.info('CLOSELOOP_EVENTS');
    check(
      "the services' ensureEventStream keeps the pre-created stream at R3",
      info.config.num_replicas === 3,
    );
  } else
    console.log(
      `skip ensureEventStream check: dist/ not usable (${built.e.split('\n')[0]}); run npm run build`,
    );

  await jsm.consumers.add(
    'CLOSELOOP_EVENTS',
    JSON.parse(fs.readFileSync(path.join(D, 'partner-consumer.example.json'), 'utf8')),
  );
  const js = jetstream(svc); // routing may publish ticket.* only (accounts.conf)
  const ops = jetstream(admin); // other event types, as the operator
  for (let i = 0; i < 3; i++)
    await js.publish('closeloop.events.ticket.opened.v1', JSON.stringify({ i }), { msgID: `e${i}` });

  const partner = await connect({ servers: SERVERS, user: 'acme', pass: 'p' });
  const perr = [];
  (async () => {
    for await (const s of partner.status())
      if (s.type === 'error') perr.push(String(s.error?.message ?? JSON.stringify(s)));
  })();
  const live = [];
  const sub = partner.subscribe('closeloop.events.>', { callback: (_e, m) => live.push(m.subject) });
  await partner.flush();
  const consumer = await jetstream(partner, { apiPrefix: 'JS.closeloop.API' }).consumers.get(
    'CLOSELOOP_EVENTS',
    'partner_acme',
  );
  const seqs = [];
  for await (const m of await consumer.fetch({ max_messages: 3, expires: 3000 })) {
    seqs.push(m.seq);
    m.ack();
  }
  await partner.flush();
  check('partner fetches from its durable pull consumer', seqs.length === 3, JSON.stringify(seqs));
  await sleep(300);
  const ci = await jsm.consumers.info('CLOSELOOP_EVENTS', 'partner_acme');
  check(
    "partner's acks reach the consumer",
    ci.ack_floor.stream_seq === 3,
    `ack floor ${ci.ack_floor.stream_seq}`,
  );
  await ops.publish('closeloop.events.survey.answered.v1', '{}', { msgID: 'e-live' });
  await sleep(300);
  check(
    'partner receives live events on closeloop.events.>',
    live.includes('closeloop.events.survey.answered.v1'),
  );

  const before = (await jsm.streams.info('CLOSELOOP_EVENTS')).state.messages;
  partner.publish('closeloop.events.ticket.opened.v1', '{"forged":true}');
  await partner.flush();
  await sleep(300);
  const after = (await jsm.streams.info('CLOSELOOP_EVENTS')).state.messages;
  check(
    'partner cannot publish events',
    after === before && perr.some((e) => /Publish to "closeloop\.events/.test(e)),
    perr.at(-1),
  );
  for (const [what, subject, body] of [
    [
      'create consumers (push delivery could write anywhere)',
      '$JS.API.CONSUMER.CREATE.CLOSELOOP_EVENTS.evil',
      {
        stream_name: 'CLOSELOOP_EVENTS',
        config: { durable_name: 'evil', deliver_subject: 'closeloop.events.loop' },
      },
    ],
    [
      'create consumers through the prefix',
      'JS.closeloop.API.CONSUMER.CREATE.CLOSELOOP_EVENTS.evil',
      { stream_name: 'CLOSELOOP_EVENTS', config: { durable_name: 'evil' } },
    ],
    ['delete the stream', '$JS.API.STREAM.DELETE.CLOSELOOP_EVENTS', {}],
    [
      "pull another consumer's messages",
      'JS.closeloop.API.CONSUMER.MSG.NEXT.CLOSELOOP_EVENTS.routing-tickets',
      { batch: 1 },
    ],
    ['call a service over RPC', 'closeloop.rpc.intake.feedback.create', {}],
  ]) {
    const r = await attempt(() => partner.request(subject, JSON.stringify(body), { timeout: 1500 }));
    check(`partner cannot ${what}`, !r.ok, r.e);
  }
  partner.subscribe('closeloop.rpc.>');
  await partner.flush();
  await sleep(200);
  check(
    "partner cannot listen to the services' RPC traffic",
    perr.some((e) => /Subscription to "closeloop\.rpc/.test(e)),
  );
  const names = await attempt(async () => {
    const l = [];
    for await (const n of (
      await jetstreamManager(partner, { apiPrefix: 'JS.closeloop.API', checkAPI: false })
    ).streams.names())
      l.push(n);
    return l;
  });
  check('partner cannot list streams', !names.ok, names.e);
  sub.unsubscribe();

  const urlCreds = await attempt(() =>
    connect({ servers: `nats://routing:r@${SERVERS[0]}`, maxReconnectAttempts: 0, timeout: 2000 }),
  );
  check('user:password inside the NATS URL is ignored by the client (no login)', !urlCreds.ok, urlCreds.e);
  if (urlCreds.ok) await urlCreds.v.close();

  procs[2].stopping = true;
  procs[2].kill('SIGTERM');
  await sleep(1500);
  const ack = await attempt(() =>
    js.publish('closeloop.events.ticket.opened.v1', '{}', { msgID: 'one-node-down' }),
  );
  const dup = await attempt(() =>
    js.publish('closeloop.events.ticket.opened.v1', '{}', { msgID: 'one-node-down' }),
  );
  check(
    'with one node down the stream still accepts events and drops duplicates',
    ack.ok && dup.ok && dup.v.duplicate,
    ack.e ?? dup.e,
  );

  await partner.close();
  await svc.close();
  await admin.close();
  console.log(`${passed} passed, ${failed} failed`);
  await finish(failed ? 1 : 0);
})().catch(async (e) => {
  console.error('ERROR', e);
  await finish(2);
});
