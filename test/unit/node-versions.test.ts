/**
 * The Node.js versions of scripts/node-versions.sh (docs/node-versions.md) are the ones the
 * Dockerfile, the devcontainer and package.json's `engines` name: one place to raise them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pins = Object.fromEntries(
  [...readFileSync('scripts/node-versions.sh', 'utf8').matchAll(/^(HEATFLOW_[A-Z0-9_]+)=(\S*)$/gm)].map(
    (m) => [m[1], m[2]],
  ),
) as Record<string, string | undefined>;

describe('scripts/node-versions.sh', () => {
  it('pins an exact 22.x and 24.x, and the image one of them', () => {
    expect(pins.HEATFLOW_NODE_22).toMatch(/^22\.\d+\.\d+$/);
    expect(pins.HEATFLOW_NODE_24).toMatch(/^24\.\d+\.\d+$/);
    expect([pins.HEATFLOW_NODE_22, pins.HEATFLOW_NODE_24]).toContain(pins.HEATFLOW_IMAGE_NODE);
  });

  it("is the Dockerfile's and the devcontainer's default base", () => {
    const base = `node:${pins.HEATFLOW_IMAGE_NODE}-bookworm-slim`;
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(new RegExp(`^ARG NODE_IMAGE=${base}$`, 'm'));
    expect(readFileSync('.devcontainer/Dockerfile', 'utf8')).toMatch(
      new RegExp(`^ARG NODE_IMAGE=${base}$`, 'm'),
    );
    expect(readFileSync('.devcontainer/docker-compose.devcontainer.yaml', 'utf8')).toContain(
      `NODE_IMAGE: \${NODE_IMAGE:-${base}}`,
    );
  });

  it("package.json's engines name 20, 22 and 24, and this Node.js is one of them", () => {
    const { engines } = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    const majors = [...engines.node.matchAll(/\^(\d+)\./g)].map((m) => m[1]);
    expect(majors).toEqual(['20', '22', '24']);
    expect(majors).toContain(process.versions.node.split('.')[0]);
  });
});
