#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (run `npm run build` first).
import('../dist/src/cli/main.js').catch((err) => {
  console.error(
    `heatflow: cannot start (${err instanceof Error ? err.message : String(err)}); did you run "npm run build"?`,
  );
  process.exit(1);
});
