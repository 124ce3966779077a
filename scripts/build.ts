/**
 * `npm run build` (and `prepack`, so `npm pack` and `npm publish` always ship it): the package as
 * installed. The compiled modules with declarations and source maps in lib/, the simulator's media,
 * and the prebuilt workflow bundles (lib/bundles/) built from the compiled workflow modules, so a
 * worker from the package never runs webpack unless its SDK version differs from ours.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Bundle from '../src/workflow-bundle';
import { buildWorkflowBundle } from './build-workflows';

const ROOT = join(__dirname, '..');
const LIB = join(ROOT, 'lib');

async function main(): Promise<void> {
  rmSync(LIB, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  cpSync(join(ROOT, 'src/simulator/fixtures'), join(LIB, 'simulator/fixtures'), { recursive: true });
  // Plain JavaScript the bundler reads as it is (a worker's own workflows beside ours).
  cpSync(join(ROOT, 'src/workflows/with-service.cjs'), join(LIB, 'workflows/with-service.cjs'));
  chmodSync(join(LIB, 'cli/main.js'), 0o755);

  // Bundle what was just compiled, exactly as the installed package will resolve it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled module, not the source
  const bundle = require(join(LIB, 'workflow-bundle.js')) as typeof Bundle;
  const sources = {
    workflowsPath: bundle.WORKFLOWS_PATH,
    preloadModules: [bundle.WORKFLOWS_PATH],
    tracingModule: join(LIB, 'workflows/tracing-interceptors.js'),
  };
  const manifest: Bundle.PrebuiltBundleManifest = {
    sdk: bundle.installedWorkflowSdkVersion(),
    plain: 'workflows.js',
    tracing: 'workflows-tracing.js',
  };
  await buildWorkflowBundle(join(bundle.PREBUILT_BUNDLE_DIR, manifest.plain), { sources });
  await buildWorkflowBundle(join(bundle.PREBUILT_BUNDLE_DIR, manifest.tracing), { sources, tracing: true });
  writeFileSync(join(bundle.PREBUILT_BUNDLE_DIR, bundle.PREBUILT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`lib/ built: compiled modules and workflow bundles for @temporalio/workflow ${manifest.sdk}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
