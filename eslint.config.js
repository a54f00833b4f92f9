// ESLint for the JavaScript the app serves (functions/**/Assets/*.js). Run by the test command
// (tests/…/Dashboard/DashboardScriptLintTests) through `npm run lint`; no build step, the file is served as written.
const js = require('@eslint/js');
const globals = require('globals');

module.exports = [
  { ignores: ['**/bin/**', '**/obj/**', 'node_modules/**', '.azurite/**'] },
  {
    files: ['functions/**/Assets/*.js'],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'script',
      globals: { ...globals.browser },
    },
    rules: {
      ...js.configs.recommended.rules,
      eqeqeq: ['error', 'always'],
      'no-implicit-globals': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      strict: ['error', 'function'],
    },
  },
];
