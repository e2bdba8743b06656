// Lint: typescript-eslint's recommended rules over the sources; formatting is prettier's job.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "native/build/**", "node_modules/**", "runs/**", ".venv/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
);
