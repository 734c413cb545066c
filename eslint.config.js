// Lint: typescript-eslint's recommended rules over product and test code.
const tseslint = require("typescript-eslint");

module.exports = tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "**/generated/**",
      "examples/**/node_modules/**",
      "examples/**/.gen/**",
      "examples/**/out/**",
      "provider/terraform/**",
      "bench/results/**",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
