// ESLint: typescript-eslint's recommended rules (not the type-checked ones, so a run stays fast)
// and the layering of src/ from docs/ARCHITECTURE.md, checked on resolved paths so that no
// spelling of a relative import gets past it. test/lint/layering.test.ts proves the boundaries fire.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const allLayers = ['domain', 'pdq', 'store', 'services', 'http', 'cli', 'outbound'];
const rootModules = ['./src/config.ts', './src/main.ts'];

/** A zone: files under src/<layer> may import no module of the layers (and root modules) named. */
function layer(name, forbidden, why) {
  return {
    target: `./src/${name}`,
    from: forbidden.map((f) => (f.startsWith('./') ? f : `./src/${f}`)),
    message: why,
  };
}

const layerZones = [
  layer('domain', [...allLayers.filter((l) => l !== 'domain'), ...rootModules], 'domain/ is pure rules: it imports no other layer.'),
  layer('pdq', [...allLayers.filter((l) => l !== 'pdq'), ...rootModules], 'pdq/ runs in a browser too: it imports no other layer.'),
  layer('store', ['pdq', 'services', 'http', 'cli', 'outbound', ...rootModules], 'store/ imports only domain/.'),
  layer(
    'outbound',
    ['pdq', 'store', 'services', 'http', 'cli', ...rootModules],
    'outbound/ (guarded requests to other servers) imports only domain/; services use it.',
  ),
  layer('services', ['http', 'cli', ...rootModules], 'services/ import store/, domain/ and pdq/, never http/ or cli/.'),
  layer('http', ['store', 'cli', './src/main.ts'], 'http/ reaches the database only through services/ (main.ts wires the store in).'),
  layer('cli', ['store', 'http'], 'cli/ reaches the database only through services/ (and main.ts, the composition root).'),
];

export default defineConfig(
  // hash-step-wasm.ts is generated; wasm/ is AssemblyScript, whose types and decorators are not TypeScript's.
  { ignores: ['node_modules/', 'src/pdq/hash-step-wasm.ts', 'src/pdq/wasm/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Destructuring a field away to pass on the rest is how this code base drops one.
    rules: { '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/http/assets/**/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts'] })] },
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }] },
  },
);
