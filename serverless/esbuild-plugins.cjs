'use strict';

const path = require('node:path');

/**
 * zod v4 re-exports every locale (`z.locales`) from the namespace the code imports, so a bundle
 * carries ~260 KB of error messages in forty languages it never uses. The product only speaks
 * English, which zod configures itself from `locales/en.js`; the barrel is cut down to that one.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

const YAML_REFUSED = `throw Object.assign(new Error(
  "this function reads the policy serverless package writes as JSON (POLICY_PATH ending in .json), not YAML"
), { name: "PolicyError" });`;

/**
 * The functions read the policy as the JSON `serverless package` writes, validated there from the
 * YAML (functions/policy/packaged.ts), so their bundles carry no YAML parser:
 *  - `loadPolicyFile` loads the YAML loader only for a POLICY_PATH that is not JSON (a run from the
 *    sources); in a bundle that dynamic import is a stub that refuses YAML with a clear error;
 *  - the `yaml` package runs nothing when it is loaded, which esbuild cannot tell of a CommonJS
 *    package: marked so, it is left out once nothing calls it, although the policy modules the
 *    functions share with the YAML loader still import it.
 */
const packagedPolicyOnly = {
  name: 'packaged-policy-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/load\.ts$/ }, (args) =>
      args.kind === 'dynamic-import' && /[\\/]policy[\\/]packaged\.ts$/.test(args.importer)
        ? { path: 'yaml-policy-loader', namespace: 'packaged-policy-only' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'packaged-policy-only' }, () => ({
      contents: `export async function loadPolicy() { ${YAML_REFUSED} }\n`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^yaml$/ }, async (args) => {
      if (args.pluginData === 'packaged-policy-only') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'packaged-policy-only',
      });
      return resolved.errors.length > 0 ? undefined : { ...resolved, sideEffects: false };
    });
  },
};

module.exports = [zodEnglishOnly, packagedPolicyOnly];
