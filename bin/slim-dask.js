#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled package (npm run build, run by `npm ci` via prepare).
require("../dist/components/cli/main.js").main(process.argv.slice(2));
