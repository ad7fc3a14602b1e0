// Compiles every app and lib once (tsc, strict) into dist/, then rewrites the @closeloop/* path aliases
// into relative requires so plain `node dist/apps/<svc>/src/main.js` runs.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`build: ${cmd.split('/').pop()} failed (see above)`);
    process.exit(1);
  }
};

const started = Date.now();
rmSync(join(root, 'dist'), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.build.json']);
run(bin('tsc-alias'), ['-p', 'tsconfig.build.json']);
console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
