// Lint: TypeScript and Vue rules, Prettier owns the format, and the layer rules of
// docs/architecture.md: shared <- core <- jobs/server/CLI <- shell; the renderer sees only shared;
// tooling (generated test models, demo builders) uses the core and nothing shipped uses tooling.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import vue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];
/**
 * The core modules under src/main, bottom first. A folder imports only folders listed before it
 * (and src/shared); never electron, the layers above the core, or a folder at its own rank.
 */
const CORE_LAYERS = [
  ['fs', 'report'],
  ['projects', 'model'],
  ['memory'],
  ['engine'],
  ['data'],
  ['plan'],
  ['evaluate'],
  ['analysis'],
  ['surgery'],
  ['train'],
  ['export'],
  ['inspect', 'pipeline', 'estimate'],
  ['welcome'],
];
const ABOVE_CORE = ['jobs', 'server', 'api', 'electron'];

function coreLayerRules() {
  const all = CORE_LAYERS.flat();
  return CORE_LAYERS.flatMap((rank, r) =>
    rank.map((folder) => {
      const allowed = new Set([folder, ...CORE_LAYERS.slice(0, r).flat()]);
      const forbidden = [...all.filter((f) => !allowed.has(f)), ...ABOVE_CORE];
      return {
        files: [`src/main/${folder}/**`],
        rules: {
          'no-restricted-imports': restrict([
            { group: ['electron'], message: 'Core modules run under plain Node: only the shell imports electron.' },
            { group: ['**/cli/**', '**/renderer/**'], message: 'Core modules do not import the CLI or the renderer.' },
            NO_TOOLING,
            {
              group: forbidden.map((f) => `**/${f}/**`),
              message: `src/main/${folder} may import only src/shared${[...allowed]
                .filter((f) => f !== folder)
                .map((f) => `, ${f}`)
                .join('')}: layers point down.`,
            },
          ]),
        },
      };
    }),
  );
}

const NO_TOOLING = { group: ['**/tooling/**'], message: 'src/tooling (test models, demo builders) is not shipped: product code never imports it.' };
const NODE_BUILTINS = { group: ['node:*'], message: 'This layer runs in the browser too: no Node built-ins.' };

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'resources/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'vue/multi-word-component-names': 'off',
      'no-undef': 'off',
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': restrict([
        {
          group: ['**/main/**', '**/cli/**', '**/renderer/**', '**/preload/**', '**/tooling/**'],
          message: 'src/shared is the bottom layer: it imports nothing above it.',
        },
        NODE_BUILTINS,
      ]),
    },
  },
  {
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['**/main/**', '**/cli/**', '**/preload/**', '**/tooling/**'], message: 'The renderer sees only src/shared and the typed API.' },
        NODE_BUILTINS,
      ]),
    },
  },
  ...coreLayerRules(),
  {
    files: ['src/main/jobs/**', 'src/main/server/**', 'src/main/api/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['electron'], message: 'Only the Electron shell imports electron.' },
        { group: ['**/electron/**', '**/renderer/**'], message: 'Jobs, server, API and CLI do not import the shell or the renderer.' },
        NO_TOOLING,
      ]),
    },
  },
  {
    files: ['src/main/*.ts', 'src/main/electron/**', 'src/preload/**'],
    rules: { 'no-restricted-imports': restrict([NO_TOOLING]) },
  },
  {
    files: ['src/tooling/**'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['electron', '**/electron/**', '**/renderer/**', '**/cli/**'], message: 'Tooling runs under plain Node on the core and src/shared only.' },
      ]),
    },
  },
  {
    // Core, CLI and server run under Node: browser globals there are bugs (document readers use linkedom's own DOM).
    files: ['src/main/**', 'src/cli/**', 'src/tooling/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'alert'].map((name) => ({
          name,
          message: 'Browser global in Node code.',
        })),
      ],
    },
  },
  prettier,
);
