// Lint: typescript-eslint's recommended rules; type checking itself is `tsc --noEmit` (npm run check).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.kafka/**', 'bench-results/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  { files: ['scripts/**', 'infra/**', 'tests/bench/**'], rules: { 'no-console': 'off' } },
);
