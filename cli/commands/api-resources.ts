// `orch api-resources`: the resource types orch serves (the same table discovery is built from).

import { Command } from 'commander';
import { RESOURCES, apiVersionOf } from '../../api/resources.js';
import { formatTable } from '../printers/table.js';

export function apiResourcesCommand(): Command {
  return new Command('api-resources').description('List the resource types orch serves, with short names').action(() => {
    const rows = RESOURCES.map((r) => [r.plural, r.shortNames.join(','), apiVersionOf(r), String(r.namespaced), r.kind]);
    process.stdout.write(`${formatTable(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'], rows)}\n`);
  });
}
