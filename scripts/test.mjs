// The one test command (README, .ci/run): type-check and build, lint, format check, then every Jest project (unit,
// integration against real Postgres + NATS, end-to-end against the built services).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const step = (title, cmd, args) => {
  console.log(`\n== ${title}`);
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`\n${title} failed`);
    process.exit(1);
  }
};

const extra = process.argv.slice(2);
step('build', process.execPath, [join(root, 'scripts/build.mjs')]);
if (extra.length === 0) {
  step('type-check tests', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  step('lint', bin('eslint'), ['.', '--max-warnings', '0']);
  step('format', bin('prettier'), ['--check', 'apps', 'libs', 'test', 'bench', 'scripts']);
}
step('jest', bin('jest'), ['--ci', '--maxWorkers=2', ...extra]);
