// Fallback entry for the bench's apiserver process: `orch apiserver` without the rest of
// the CLI. Used only when dist/cli/main.js cannot load (another command of the CLI is
// missing or broken mid-development); the flags and code path are the same.

import { apiserverCommand } from '../../apiserver/command.js';

await apiserverCommand().parseAsync(process.argv.slice(2), { from: 'user' });
