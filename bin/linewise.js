#!/usr/bin/env node
// The installed `linewise` command: runs the compiled CLI (built by `npm run build`).
import "../dist/src/cli/main.js";
