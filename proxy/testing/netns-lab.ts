// A node in a network namespace, for the proxy's integration tests and benchmark: a
// bridge with the pod gateway (10.244.1.1/24), "pods" in namespaces of their own plugged
// into it (busybox httpd answering "<name> <client address>" on /cgi-bin/who, and a UDP
// echo answering "<name>"), and an "outside" host on a second link (192.168.77.2 →
// node 192.168.77.1). Every namespace is named <prefix>-…, and everything goes with
// destroy().

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostCommands, type HostCommands } from '../../foundation/host-commands.js';

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export const NODE_UPLINK_IP = '192.168.77.1';
export const OUTSIDE_IP = '192.168.77.2';
export const POD_CIDR = '10.244.1.0/24';

const UDP_ECHO = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(process.argv[1]+' '+r.address,r.port,r.address));s.bind(Number(process.argv[2]));`;
const UDP_ASK = `const s=require('dgram').createSocket('udp4');const t=setTimeout(()=>{console.log('timeout');process.exit(0)},Number(process.argv[4]));s.on('message',m=>{console.log(String(m));clearTimeout(t);process.exit(0)});s.bind(Number(process.argv[3]),()=>s.send('hi',Number(process.argv[2]),process.argv[1]));`;

export class NetnsLab {
  readonly node: string;
  readonly outside: string;
  private readonly pods = new Map<string, string>();
  private readonly children: ChildProcess[] = [];
  private readonly dir: string;

  constructor(readonly prefix: string) {
    this.node = `${prefix}-node`;
    this.outside = `${prefix}-out`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  }

  /** Commands run in the node's namespace (what the proxy gets). */
  get commands(): HostCommands {
    return hostCommands(['nsenter', `--net=/var/run/netns/${this.node}`]);
  }

  exec(ns: string, cmd: string): string {
    return sh(`ip netns exec ${ns} ${cmd}`);
  }

  setUp(): void {
    this.destroy();
    sh(`ip netns add ${this.node} && ip netns add ${this.outside}`);
    this.exec(this.node, 'sh -c "ip link set lo up && ip link add br0 type bridge && ip addr add 10.244.1.1/24 dev br0 && ip link set br0 up && sysctl -qw net.ipv4.ip_forward=1"');
    sh(`ip link add ${this.prefix}-up type veth peer name ${this.prefix}-uo`);
    sh(`ip link set ${this.prefix}-up netns ${this.node} && ip link set ${this.prefix}-uo netns ${this.outside}`);
    this.exec(this.node, `sh -c "ip link set ${this.prefix}-up name up0 && ip addr add ${NODE_UPLINK_IP}/24 dev up0 && ip link set up0 up"`);
    this.exec(this.outside, `sh -c "ip link set lo up && ip link set ${this.prefix}-uo name eth0 && ip addr add ${OUTSIDE_IP}/24 dev eth0 && ip link set eth0 up"`);
  }

  /** A pod namespace on the bridge; with serve, an HTTP (8080) and UDP echo (5353) server answering with its name. */
  addPod(name: string, ip: string, serve = true): string {
    const ns = `${this.prefix}-${name}`;
    const n = this.pods.size;
    sh(`ip netns add ${ns} && ip link add ${this.prefix}-v${n} type veth peer name ${this.prefix}-p${n}`);
    sh(`ip link set ${this.prefix}-v${n} netns ${this.node} && ip link set ${this.prefix}-p${n} netns ${ns}`);
    // Hairpin on, as the kubelet sets it: with br_netfilter a pod's packet DNATed back to
    // itself leaves by the bridge port it came in on.
    this.exec(this.node, `sh -c "ip link set ${this.prefix}-v${n} master br0 && ip link set ${this.prefix}-v${n} up && bridge link set dev ${this.prefix}-v${n} hairpin on"`);
    this.exec(ns, `sh -c "ip link set lo up && ip link set ${this.prefix}-p${n} name eth0 && ip addr add ${ip}/24 dev eth0 && ip link set eth0 up && ip route add default via 10.244.1.1"`);
    this.pods.set(name, ns);
    if (serve) {
      const www = path.join(this.dir, name);
      fs.mkdirSync(path.join(www, 'cgi-bin'), { recursive: true });
      fs.writeFileSync(path.join(www, 'cgi-bin', 'who'), `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s %s\\n' ${name} "$REMOTE_ADDR"\n`, { mode: 0o755 });
      this.spawn(ns, ['busybox', 'httpd', '-f', '-p', '0.0.0.0:8080', '-h', www]);
      this.spawn(ns, [process.execPath, '-e', UDP_ECHO, name, '5353']);
    }
    return ns;
  }

  private spawn(ns: string, argv: string[]): void {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore' });
    this.children.push(child);
  }

  /** GET http://<ip>:<port>/cgi-bin/who from a namespace: "<pod> <client address>", or the error. */
  get(fromNs: string, ip: string, port: number, timeoutS = 3): string {
    try {
      return this.exec(fromNs, `curl -sS -m ${timeoutS} http://${ip}:${port}/cgi-bin/who`).trim();
    } catch (err) {
      return `error: ${String((err as { stderr?: string }).stderr ?? err).trim()}`;
    }
  }

  /** One UDP datagram from a fixed source port: the answer ("<pod> <client>") or "timeout". */
  udp(fromNs: string, ip: string, port: number, srcPort: number, timeoutMs = 2000): string {
    return this.exec(fromNs, `${process.execPath} -e "${UDP_ASK}" ${ip} ${port} ${srcPort} ${timeoutMs}`).trim();
  }

  /** Who answered n requests (pod name → count). */
  spread(fromNs: string, ip: string, port: number, n: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const who = this.get(fromNs, ip, port).split(' ')[0]!;
      out[who] = (out[who] ?? 0) + 1;
    }
    return out;
  }

  podNs(name: string): string {
    return this.pods.get(name)!;
  }

  destroy(): void {
    for (const c of this.children.splice(0)) c.kill('SIGKILL');
    const mine = sh('ip netns list').split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${this.prefix}-`));
    for (const ns of mine) sh(`ip netns del ${ns} 2>/dev/null || true`);
    this.pods.clear();
  }

  cleanupFiles(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
