/** The `heatflow tado …` commands, registered on a fresh commander program, against the simulator. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerTadoCommands } from '../../src/tado/cli-commands.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';

let dir: string;
let sim: TadoSimulator;
const savedEnv = { ...process.env };

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'heatflow-tado-cli-'));
  sim = await startTadoSimulator({ autoApprove: true, devicePollIntervalS: 0, quota: 1000 });
  Object.assign(process.env, {
    TADO_API_URL: sim.apiUrl,
    TADO_AUTH_URL: sim.authUrl,
    TADO_TOKEN_FILE: path.join(dir, 'token.json'),
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
  });
});
afterEach(async () => {
  process.env = { ...savedEnv };
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerTadoCommands(program);
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'heatflow', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return chunks.join('');
}

describe('heatflow tado', () => {
  it('login runs the device flow, prints the address and saves the token; status shows the quota', async () => {
    const out = await run('tado', 'login');
    expect(out).toContain(`${sim.authUrl}/device?user_code=`);
    expect(out).toContain('signed in; refresh token saved to');
    const file = path.join(dir, 'token.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const status = JSON.parse(await run('tado', 'status', '--json')) as {
      homes: { id: number }[];
      rateLimit: { quota: number; remaining: number };
    };
    expect(status.homes[0]?.id).toBe(sim.home.homeId);
    expect(status.rateLimit).toMatchObject({ quota: 1000, remaining: 999 });
    expect(await run('tado', 'status')).toMatch(/998 of 1000 requests left/);
  });

  it('login --refresh-token stores a given token (the simulator demo token)', async () => {
    const file = path.join(dir, 'other', 'token.json');
    const out = await run('tado', 'login', '--refresh-token', 'heatflow-simulator', '--token-file', file);
    expect(out).toContain(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ refresh_token: 'heatflow-simulator' });
    expect(await run('tado', 'status', '--token-file', file)).toContain('signed in as sim@example.org');
  });
});

describe('heatflow tado-sim', () => {
  it('serves until SIGTERM', async () => {
    const script = [
      "import { Command } from 'commander';",
      "import { registerTadoCommands } from './src/tado/cli-commands.ts';",
      'const p = new Command(); registerTadoCommands(p);',
      "await p.parseAsync(['node', 'heatflow', 'tado-sim', '--port', '0', '--seed', '2', '--quota', '50']);",
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${stdout}`)), 60_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    expect(stdout).toContain('quota 50/day');
    const res = await fetch(`${url}/api/v2/me`);
    expect(res.status).toBe(401);
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stdout).toContain('tado simulator stopped');
  });
});
