// deploy/install-agent.sh, exercised safely: --root installs into a temp directory (no
// systemd), --dry-run must change nothing. Also checks that every flag the systemd units
// pass exists in the component's real --help, so the units cannot drift from the CLI.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const script = path.join(repo, 'deploy/install-agent.sh');
const orchMain = path.join(repo, 'dist/cli/main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-install-agent-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function sh(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ORCH_NETWORK_BACKEND: '', ORCH_PROXY_MODE: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);

/** Inputs a control plane would hand out: CA, node token, agent cert/key, log token. */
function inputs(): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(work, 'in-'));
  const files: Record<string, string> = {
    ca: 'ca.crt', token: 'node.token', cert: 'agent.crt', key: 'agent.key', logToken: 'agent-log.token',
  };
  const out: Record<string, string> = {};
  for (const [k, name] of Object.entries(files)) {
    out[k] = path.join(dir, name);
    fs.writeFileSync(out[k], `${k}-content\n`);
  }
  return out;
}

/** A small but real orch build (dist/ + package.json + node_modules/), fast to copy. */
function fakeBuild(): string {
  const dir = fs.mkdtempSync(path.join(work, 'build-'));
  fs.mkdirSync(path.join(dir, 'dist/cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist/cli/main.js'), '// main\n');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"orch"}\n');
  fs.mkdirSync(path.join(dir, 'node_modules/dep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules/dep/index.js'), '// dep\n');
  return dir;
}

function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      // A symlinked node_modules (a git worktree sharing one) is copied as the link.
      else if (e.isSymbolicLink()) out.push(`${path.relative(root, p)} -> ${fs.readlinkSync(p)}`);
      else out.push(`${path.relative(root, p)} ${mode(p)} ${fs.readFileSync(p, 'utf8').length}`);
    }
  };
  walk(root);
  return out.sort();
}

describe('install-agent.sh', () => {
  it('installs the real build, credentials, config and unit under --root, and running it twice changes nothing', () => {
    const i = inputs();
    const root = path.join(work, 'root1');
    const args = [
      '--server', 'https://10.0.0.10:6443', '--ca-file', i.ca, '--token-file', i.token, '--node-name', 'vm3', '--node-ip', '10.0.0.13',
      '--log-cert', i.cert, '--log-key', i.key, '--root', root,
    ];
    const r = sh(args);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`installed under ${root}`);

    // The copied tree is a working orch.
    const v = spawnSync(process.execPath, [path.join(root, 'opt/orch/dist/cli/main.js'), '--version'], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^v\d+\.\d+\.\d+/);
    const wrapper = fs.readFileSync(path.join(root, 'usr/local/bin/orch'), 'utf8');
    expect(wrapper).toContain('/opt/orch/dist/cli/main.js "$@"');
    expect(mode(path.join(root, 'usr/local/bin/orch'))).toBe('755');

    expect(fs.readFileSync(path.join(root, 'etc/orch/agent.token'), 'utf8')).toBe('token-content\n');
    expect(mode(path.join(root, 'etc/orch/agent.token'))).toBe('600');
    expect(mode(path.join(root, 'etc/orch/pki/agent.key'))).toBe('600');
    // No shared log token any more: the apiserver authenticates with its client certificate.
    expect(fs.existsSync(path.join(root, 'etc/orch/agent-log.token'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'etc/orch/pki/ca.crt'), 'utf8')).toBe('ca-content\n');
    const env = fs.readFileSync(path.join(root, 'etc/orch/agent.env'), 'utf8');
    expect(env).toContain('ORCH_SERVER=https://10.0.0.10:6443\n');
    expect(env).toContain('ORCH_NODE_NAME=vm3\n');
    expect(env).toContain('ORCH_NETWORK_BACKEND=vxlan\n');
    expect(env).toContain(
      'ORCH_AGENT_ARGS="--node-ip=10.0.0.13 --log-server-cert=/etc/orch/pki/agent.crt --log-server-key=/etc/orch/pki/agent.key"',
    );
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/orch-agent.service'), 'utf8')).toContain(' --log-server-client-ca-file=/etc/orch/pki/ca.crt ');
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/orch-agent.service'), 'utf8')).toBe(
      fs.readFileSync(path.join(repo, 'deploy/systemd/orch-agent.service'), 'utf8'),
    );
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/orch-proxy.service'), 'utf8')).toBe(
      fs.readFileSync(path.join(repo, 'deploy/systemd/orch-proxy.service'), 'utf8'),
    );
    expect(env).toContain('ORCH_PROXY_ARGS=""\n');

    const before = listTree(root);
    expect(sh(args).code).toBe(0);
    expect(listTree(root)).toEqual(before);
  }, 120_000);

  it('joins with a bootstrap token: token file 0600, both units on the node certificate dir; a re-run without the token keeps that', () => {
    const i = inputs();
    const root = path.join(work, 'root-join');
    const base = ['--server', 'https://lb:6443', '--ca-file', i.ca, '--node-name', 'vm11', '--from', fakeBuild(), '--root', root];
    const bad = sh([...base, '--bootstrap-token', 'not-a-token']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('abcdef.0123456789abcdef');
    expect(sh([...base, '--bootstrap-token', 'abcdef.0123456789abcdef', '--token', 'x']).err).toContain('not both');
    const r = sh([...base, '--bootstrap-token', 'abcdef.0123456789abcdef']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/orch/bootstrap.token'), 'utf8')).toBe('abcdef.0123456789abcdef\n');
    expect(mode(path.join(root, 'etc/orch/bootstrap.token'))).toBe('600');
    expect(mode(path.join(root, 'var/lib/orch/pki'))).toBe('700');
    expect(fs.existsSync(path.join(root, 'etc/orch/agent.token'))).toBe(false);
    const env = () => fs.readFileSync(path.join(root, 'etc/orch/agent.env'), 'utf8');
    expect(env()).toContain('ORCH_AGENT_CREDENTIALS="--cert-dir=/var/lib/orch/pki --bootstrap-token-file=/etc/orch/bootstrap.token"');
    expect(env()).toContain('ORCH_PROXY_CREDENTIALS="--cert-dir=/var/lib/orch/pki"');
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/orch-agent.service'), 'utf8')).toContain(' $ORCH_AGENT_CREDENTIALS ');
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/orch-proxy.service'), 'utf8')).toContain(' $ORCH_PROXY_CREDENTIALS ');
    expect(sh(base).code).toBe(0);
    expect(env()).toContain('ORCH_AGENT_CREDENTIALS="--cert-dir=/var/lib/orch/pki --bootstrap-token-file=/etc/orch/bootstrap.token"');
    const gone = sh(['--uninstall', '--root', root]);
    expect(gone.code).toBe(0);
    expect(fs.existsSync(path.join(root, 'etc/orch/bootstrap.token'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'var/lib/orch/pki'))).toBe(false);
  }, 60_000);

  it('keeps the installed token when re-run without one, and takes a build from a tarball', () => {
    const i = inputs();
    const root = path.join(work, 'root2');
    const build = fakeBuild();
    const tgz = path.join(work, 'orch-build.tgz');
    expect(spawnSync('tar', ['-czf', tgz, '-C', build, '.']).status).toBe(0);
    const base = ['--server', 'https://lb:6443', '--ca-file', i.ca, '--node-name', 'vm4', '--from', tgz, '--root', root];
    const none = sh(base); // no token anywhere yet
    expect(none.code).not.toBe(0);
    expect(none.err).toContain('orch token create');
    expect(sh([...base, '--token', 'abc123']).code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'opt/orch/node_modules/dep/index.js'), 'utf8')).toBe('// dep\n');
    const again = sh(base);
    expect(again.code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/orch/agent.token'), 'utf8')).toBe('abc123\n');
    // Without a log certificate or node IP the optional flags stay empty.
    expect(fs.readFileSync(path.join(root, 'etc/orch/agent.env'), 'utf8')).toContain('ORCH_AGENT_ARGS=""');
  }, 60_000);

  it('still installs a dedicated log token for apiservers that use --agent-token-file', () => {
    const i = inputs();
    const root = path.join(work, 'root-legacy');
    const r = sh(['--server', 'https://lb:6443', '--ca-file', i.ca, '--token-file', i.token, '--node-name', 'vm7', '--log-token-file', i.logToken, '--from', fakeBuild(), '--root', root]);
    expect(r.code).toBe(0);
    expect(mode(path.join(root, 'etc/orch/agent-log.token'))).toBe('600');
    // The bare token of the apiserver's --agent-token-file, as a line of the token file format the agent reads.
    expect(fs.readFileSync(path.join(root, 'etc/orch/agent-log.token'), 'utf8')).toBe('logToken-content,orch:apiserver,orch:apiserver\n');
    expect(fs.readFileSync(path.join(root, 'etc/orch/agent.env'), 'utf8')).toContain('ORCH_AGENT_ARGS="--log-server-token-file=/etc/orch/agent-log.token"');
  });

  it('passes the pod network flags: backend (flag, else $ORCH_NETWORK_BACKEND), VXLAN port, sandbox image', () => {
    const i = inputs();
    const root = path.join(work, 'root-net');
    const base = ['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--node-name', 'vm8', '--from', fakeBuild(), '--root', root];
    const r = sh([...base, '--network-backend', 'host-gw', '--vxlan-port', '4789', '--pod-infra-container-image', 'orch.local/pause:3.10']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const env = () => fs.readFileSync(path.join(root, 'etc/orch/agent.env'), 'utf8');
    expect(env()).toContain('ORCH_NETWORK_BACKEND=host-gw\n');
    expect(env()).toContain('ORCH_AGENT_ARGS="--vxlan-port=4789 --pod-infra-container-image=orch.local/pause:3.10"');
    expect(sh(base, { ORCH_NETWORK_BACKEND: 'none' }).code).toBe(0);
    expect(env()).toContain('ORCH_NETWORK_BACKEND=none\n');
    expect(env()).toContain('ORCH_AGENT_ARGS=""');
  });

  it('passes the proxy mode (flag, else $ORCH_PROXY_MODE, else iptables) and refuses an unknown one', () => {
    const i = inputs();
    const root = path.join(work, 'root-proxy-mode');
    const base = ['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--node-name', 'vm9', '--from', fakeBuild(), '--root', root];
    const env = () => fs.readFileSync(path.join(root, 'etc/orch/agent.env'), 'utf8');
    expect(sh(base).code).toBe(0);
    expect(env()).toContain('ORCH_PROXY_MODE=iptables\n');
    expect(sh([...base, '--proxy-mode', 'nftables']).code).toBe(0);
    expect(env()).toContain('ORCH_PROXY_MODE=nftables\n');
    expect(sh(base, { ORCH_PROXY_MODE: 'nftables' }).code).toBe(0);
    expect(env()).toContain('ORCH_PROXY_MODE=nftables\n');
    const bad = sh([...base, '--proxy-mode', 'ipvs']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--proxy-mode must be iptables or nftables (not ipvs)');
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/orch-proxy.service'), 'utf8')).toContain(' --proxy-mode=${ORCH_PROXY_MODE} ');
  });

  it('installs iproute2, iptables, procps and conntrack when the tools of the pod network or the proxy are missing, or says what to install', () => {
    const i = inputs();
    // The PATH the service would get holds none of the tools.
    const noTools = { ORCH_SERVICE_PATH: fs.mkdtempSync(path.join(work, 'empty-path-')) };
    const base = ['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--node-name', 'vm9', '--from', fakeBuild()];
    const apt = '+ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 iptables procps conntrack';
    const r = sh([...base, '--dry-run'], noTools);
    expect(r.code).toBe(0);
    expect(r.out).toContain('the pod network and the service proxy need ip bridge iptables iptables-restore sysctl conntrack: installing iproute2 iptables procps conntrack');
    expect(r.out).toContain(apt);
    // Before anything else is changed.
    expect(r.out.indexOf(apt)).toBeLessThan(r.out.indexOf('+ mkdir'));
    // The tools are on this host: nothing to install.
    expect(sh([...base, '--dry-run']).out).not.toContain('apt-get');
    // No pod network, no tools needed.
    expect(sh([...base, '--dry-run', '--network-backend', 'none'], noTools).out).not.toContain('apt-get');
    // Under --root (an image, a test) nothing is installed on this host: it says what is missing.
    const root = path.join(work, 'root-no-tools');
    const refused = sh([...base, '--root', root], noTools);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('the pod network and the service proxy need ip bridge iptables iptables-restore sysctl conntrack on this host: install iproute2, iptables, procps and conntrack');
    expect(refused.err).toContain('--network-backend none');
    expect(fs.existsSync(root)).toBe(false);
  });

  it('--uninstall stops both services before it cleans up the proxy rules and the pod network and removes the pods, then the files', () => {
    const r = sh(['--uninstall', '--node-name', 'vm3', '--dry-run']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const steps = r.out.split('\n').filter((l) => l.startsWith('+ '));
    const at = (prefix: string) => steps.findIndex((l) => l.startsWith(prefix));
    expect(steps).toContain('+ systemctl disable --now orch-proxy.service orch-agent.service');
    expect(steps).toContain('+ /usr/local/bin/orch proxy --server= --ca-file=/etc/orch/pki/ca.crt --token-file=/etc/orch/agent.token --node-name=vm3 --cleanup');
    expect(steps).toContain('+ sh -c docker ps -aq --filter label=orch.io/node=vm3 | xargs -r docker rm -f');
    expect(steps).toContain('+ /usr/local/bin/orch agent --cleanup-network --node-name vm3');
    expect(at('+ systemctl disable')).toBeLessThan(at('+ sh -c docker ps'));
    expect(at('+ sh -c docker ps')).toBeLessThan(at('+ /usr/local/bin/orch agent --cleanup-network'));
    expect(at('+ /usr/local/bin/orch proxy')).toBeLessThan(at('+ /usr/local/bin/orch agent --cleanup-network'));
    expect(at('+ /usr/local/bin/orch agent --cleanup-network')).toBeLessThan(at('+ rm -f /etc/systemd/system/orch-agent.service /etc/systemd/system/orch-proxy.service'));
    expect(steps.at(-1)).toBe('+ systemctl daemon-reload');
    expect(r.out).toContain('orch delete node vm3');
    // The cleanup command it runs is a real one.
    const help = spawnSync(process.execPath, [orchMain, 'agent', '--help'], { encoding: 'utf8' }).stdout;
    expect(help).toContain('--cleanup-network');
    expect(spawnSync(process.execPath, [orchMain, 'proxy', '--help'], { encoding: 'utf8' }).stdout).toContain('--cleanup');
    expect(help).toMatch(/--node-name <name>[\s\S]*--cleanup-network[\s\S]*only that node's/);
  });

  it('--uninstall under --root removes what the install wrote, keeping orch for control-plane units', () => {
    const i = inputs();
    const install = (root: string) =>
      sh(['--server', 'https://lb:6443', '--ca-file', i.ca, '--token-file', i.token, '--node-name', 'vm10', '--log-cert', i.cert, '--log-key', i.key, '--from', fakeBuild(), '--root', root]);
    const alone = path.join(work, 'root-uninstall');
    expect(install(alone).code).toBe(0);
    const r = sh(['--uninstall', '--root', alone]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('orch delete node vm10'); // the node name read from the installed agent.env
    expect(listTree(alone)).toEqual([]);
    expect(fs.readdirSync(path.join(alone, 'etc'))).toEqual(['systemd']);

    // A control-plane host: the apiserver's unit runs the same /opt/orch and reads the CA.
    const shared = path.join(work, 'root-uninstall-cp');
    expect(install(shared).code).toBe(0);
    fs.writeFileSync(path.join(shared, 'etc/systemd/system/orch-apiserver.service'), '[Service]\n');
    const kept = sh(['--uninstall', '--root', shared]);
    expect(kept.code).toBe(0);
    expect(kept.out).toContain('used by orch-apiserver.service');
    expect(listTree(shared).map((l) => l.split(' ')[0]).filter((f) => !f.startsWith('opt/orch/'))).toEqual([
      'etc/orch/pki/ca.crt', 'etc/systemd/system/orch-apiserver.service', 'usr/local/bin/orch',
    ]);
    expect(sh(['--uninstall', '--root', path.join(work, 'root-never-installed')]).err).toMatch(/no orch agent is installed/);
  });

  it('--dry-run prints every step and changes nothing', () => {
    const i = inputs();
    const root = path.join(work, 'root-dry');
    const r = sh(['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--node-name', 'vm5', '--from', fakeBuild(), '--root', root, '--dry-run']);
    expect(r.code).toBe(0);
    expect(fs.existsSync(root)).toBe(false);
    expect(r.out).toContain(`+ write ${root}/etc/orch/agent.token (mode 0600)`);
    expect(r.out).toContain(`+ write ${root}/etc/orch/agent.env (mode 0644)`);
    expect(r.out).toContain(`+ write ${root}/etc/systemd/system/orch-agent.service (mode 0644)`);
    expect(r.out).toContain(`+ write ${root}/etc/systemd/system/orch-proxy.service (mode 0644)`);
    expect(r.out).toMatch(/\+ cp -a .*\/dist .*\/package\.json .*\/node_modules /);
  });

  it('--dry-run without --root shows the systemd steps', () => {
    const i = inputs();
    const r = sh(['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--node-name', 'vm6', '--from', fakeBuild(), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('+ write /etc/orch/agent.token (mode 0600)');
    expect(r.out).toContain('+ systemctl daemon-reload');
    expect(r.out).toContain('+ systemctl enable orch-agent.service orch-proxy.service');
    expect(r.out).toContain('+ systemctl restart orch-agent.service orch-proxy.service');
  });

  it('refuses bad input with a clear message', () => {
    const i = inputs();
    const cases: Array<[string[], RegExp]> = [
      [['--ca-file', i.ca, '--token', 't'], /--server is required/],
      [['--server', 'http://lb:6443', '--ca-file', i.ca, '--token', 't'], /must be an https/],
      [['--server', 'https://lb:6443', '--token', 't'], /--ca-file is required/],
      [['--server', 'https://lb:6443', '--ca-file', '/nonexistent/ca.crt', '--token', 't'], /not found/],
      [['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--token-file', i.token], /not both/],
      [['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--node-name', 'Bad_Name'], /invalid node name/],
      [['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--log-cert', i.cert], /go together/],
      [['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--bogus'], /unknown argument/],
      [['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--network-backend', 'flannel'], /--network-backend must be vxlan, host-gw or none \(not flannel\)/],
      [['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--vxlan-port', '70000'], /--vxlan-port must be a port number/],
      [['--server', 'https://lb:6443', '--ca-file', i.ca, '--token', 't', '--pod-infra-container-image', 'a b'], /must be one image reference/],
      [['--uninstall', '--node-name', 'Bad_Name'], /invalid node name/],
    ];
    for (const [args, msg] of cases) {
      const r = sh([...args, '--root', path.join(work, 'never'), '--dry-run']);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.err).toMatch(msg);
    }
    expect(fs.existsSync(path.join(work, 'never'))).toBe(false);
  });
});

describe('systemd units', () => {
  const units: Record<string, string> = {
    'orch-apiserver.service': 'apiserver',
    'orch-scheduler.service': 'scheduler',
    'orch-controller-manager.service': 'controller-manager',
    'orch-agent.service': 'agent',
    'orch-proxy.service': 'proxy',
  };
  const envFiles: Record<string, string> = {
    'orch-apiserver.service': 'apiserver.env',
    'orch-scheduler.service': 'scheduler.env',
    'orch-controller-manager.service': 'controller-manager.env',
    'orch-agent.service': 'agent.env',
    'orch-proxy.service': 'agent.env',
  };

  it.each(Object.keys(units))('%s passes only flags the component has (its ExecStart and example env file)', (unit) => {
    const component = units[unit];
    const help = spawnSync(process.execPath, [orchMain, component, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    const known = new Set(help.stdout.match(/--[a-z][a-z-]+/g));
    const text = fs.readFileSync(path.join(repo, 'deploy/systemd', unit), 'utf8');
    const exec = text.split('\n').find((l) => l.startsWith('ExecStart='));
    expect(exec).toBeDefined();
    expect(exec).toContain(`/usr/local/bin/orch ${component} `);
    const env = fs.readFileSync(path.join(repo, 'deploy/systemd', envFiles[unit]), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    // Every ${VAR} the unit uses is set by its env file; the flags in those variables (an
    // env file may serve two units: agent.env holds the proxy's variables too) must exist.
    const vars = [...(exec ?? '').matchAll(/\$\{?([A-Z_]+)\}?/g)].map((m) => m[1]);
    const usedEnv = env.split('\n').filter((l) => vars.some((v) => l.startsWith(`${v}=`))).join('\n');
    const used = [...(exec ?? '').matchAll(/\s(--[a-z][a-z-]+)/g), ...usedEnv.matchAll(/(?:"|\s)(--[a-z][a-z-]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(2);
    expect(used.filter((f) => !known.has(f))).toEqual([]);
    for (const v of vars) expect(env, v).toMatch(new RegExp(`^${v}=`, 'm'));
  });

  it('run the agent as root with the network backend of agent.env, and the controller manager with the pod network flags of its env file', () => {
    const read = (f: string) => fs.readFileSync(path.join(repo, 'deploy/systemd', f), 'utf8');
    const agent = read('orch-agent.service');
    expect(agent).toMatch(/^User=root$/m);
    expect(agent).toMatch(/^ExecStart=.* --network-backend=\$\{ORCH_NETWORK_BACKEND\} /m);
    expect(read('agent.env')).toMatch(/^ORCH_NETWORK_BACKEND=vxlan$/m);
    expect(read('orch-controller-manager.service')).toMatch(/^ExecStart=.* \$ORCH_POD_NETWORK_ARGS /m);
    const args = read('controller-manager.env').match(/^ORCH_POD_NETWORK_ARGS="(.*)"$/m)?.[1];
    expect(args?.split(' ')).toEqual(['--cluster-cidr=10.244.0.0/16', '--node-cidr-mask-size=24', '--service-cluster-ip-range=10.96.0.0/12']);
  });

  it('pass the Pod Security flags of apiserver.env to the apiserver', () => {
    const read = (f: string) => fs.readFileSync(path.join(repo, 'deploy/systemd', f), 'utf8');
    expect(read('orch-apiserver.service')).toMatch(/^ExecStart=.* \$ORCH_POD_SECURITY_ARGS /m);
    const args = read('apiserver.env').match(/^ORCH_POD_SECURITY_ARGS="(.*)"$/m)?.[1];
    expect(args?.split(' ')).toEqual(['--pod-security-default=baseline', '--pod-security-exempt-namespaces=kube-system']);
  });
});
