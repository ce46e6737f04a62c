// Stand-alone entry for the agent alone (`node dist/agent/main.js --server ... --node-name ...`),
// used by tests that must kill the agent process; `orch agent` is the usual way in.

import { agentCommand } from './command.js';

agentCommand()
  .parseAsync(['node', 'orch-agent', ...process.argv.slice(2)])
  .catch((err: Error) => {
    process.stderr.write(`orch agent: ${err.message}\n`);
    process.exit(1);
  });
