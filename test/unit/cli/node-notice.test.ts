import { afterEach, describe, expect, it } from 'vitest';
import { nodeNotice } from '../../../functions/cli/node-notice.ts';

const VARIABLE = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
const saved = process.env[VARIABLE];

function capture() {
  const lines: string[] = [];
  return { io: { stdout: () => {}, stderr: (t: string) => lines.push(t) }, lines };
}

afterEach(() => {
  if (saved === undefined) delete process.env[VARIABLE];
  else process.env[VARIABLE] = saved;
});

describe('nodeNotice', () => {
  it("turns the SDK's nine-line warning on Node.js 20 into one short line", () => {
    // Prepare
    delete process.env[VARIABLE];
    const { io, lines } = capture();

    // Act
    nodeNotice(io, '20.20.2');

    // Assess
    expect(lines).toEqual(['note: Node.js 20.20.2: AWS SDK releases after January 2027 need Node.js 22\n']);
    expect(lines[0]?.length).toBeLessThanOrEqual(80);
    expect(process.env[VARIABLE]).toBe('true');
  });

  it('says nothing on Node.js 22', () => {
    // Prepare
    delete process.env[VARIABLE];
    const { io, lines } = capture();

    // Act
    nodeNotice(io, '22.11.0');

    // Assess
    expect(lines).toEqual([]);
  });

  it("says nothing when the SDK's own switch has silenced the warning", () => {
    // Prepare
    process.env[VARIABLE] = 'true';
    const { io, lines } = capture();

    // Act
    nodeNotice(io, '20.20.2');

    // Assess
    expect(lines).toEqual([]);
  });
});
