// Entry point of the orch services in the compose demo:
//   node launch.mjs [--wait FILE]... -- <orch arguments>
// --wait          block until FILE exists (the init service's .ready marker), so the
//                 order does not depend on `depends_on` conditions that compose v1 lacks.
// Then runs the orch CLI in this same process, so signals reach it directly.
// (Agents' certificates come from the init service, issued for their node names.)
import fs from 'node:fs';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (sep < 0) {
  process.stderr.write('usage: launch.mjs [--wait FILE]... -- <orch arguments>\n');
  process.exit(2);
}
const own = argv.slice(0, sep);
const orchArgs = argv.slice(sep + 1);
const waits = [];
for (let i = 0; i < own.length; i += 2) {
  if (own[i] === '--wait') waits.push(own[i + 1]);
  else {
    process.stderr.write(`launch.mjs: unknown option ${own[i]}\n`);
    process.exit(2);
  }
}

const waitSeconds = Number(process.env.ORCH_WAIT_SECONDS || 120);
for (const file of waits) {
  const deadline = Date.now() + waitSeconds * 1000;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) {
      process.stderr.write(`launch.mjs: ${file} did not appear within ${waitSeconds}s (did the init service fail?)\n`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// cli/main.js runs only when argv[1] names it: present ourselves as that entry point.
process.argv = [process.argv[0], '/app/dist/cli/main.js', ...orchArgs];
await import('/app/dist/cli/main.js');
