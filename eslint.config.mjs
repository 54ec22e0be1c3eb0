// ESLint as Feathers' own repository sets it up: eslint:recommended and typescript-eslint's
// recommended rules, Prettier for formatting (reported as lint errors), and the same few rules
// switched off (Feathers' service and hook signatures use `any` and empty interfaces by design).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-plugin-prettier/recommended'

export default tseslint.config(
  { ignores: ['lib/**', 'data/**', 'node_modules/**', 'evidence/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
      // Small files and functions (the code-health bar): comments and blank lines do not count.
      'max-lines': ['error', { max: 250, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }
      ]
    }
  },
  // Tests are long describe() blocks by nature: the size rules are for src/.
  {
    files: ['test/**'],
    rules: { 'max-lines': 'off', 'max-lines-per-function': 'off' }
  }
)
