#!/usr/bin/env node
"use strict";
require("../dist/core/cli/main.js").main(process.argv.slice(2));
