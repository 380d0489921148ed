#!/usr/bin/env node
import { runEvalCli } from '../dist/cli.js';

process.exitCode = await runEvalCli(process.argv.slice(2));
