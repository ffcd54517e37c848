import { describe, expect, it } from 'vitest';
import { visibleLength, wrap } from '../../../functions/report/text.ts';

const plain = (width: number) => ({ width, color: false });

describe('wrap', () => {
  it('breaks at spaces and continues under the indent', () => {
    // Act
    const lines = wrap(
      [{ text: '  findings  ' }],
      [{ text: '11 (too-old 1, exempted 1, foreign-owner 1)' }],
      12,
      plain(40),
    );

    // Assess
    expect(lines).toEqual(['  findings  11 (too-old 1, exempted 1,', '            foreign-owner 1)']);
  });

  it('indents by 4 when the hanging indent would leave too little room', () => {
    // Act
    const lines = wrap([{ text: '  findings  ' }], [{ text: '11 (too-old 1, exempted 1)' }], 12, plain(24));

    // Assess
    expect(lines).toEqual(['  findings  11 (too-old', '    1, exempted 1)']);
  });

  it('never cuts a word that fits on a line of its own', () => {
    // Prepare
    const words = 'account 999988887777 is not allowed to restore snapshots of cluster finance-prod';

    // Act
    const lines = wrap([{ text: '    x kind  ' }], [{ text: words }], 12, plain(30));

    // Assess
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
    expect(lines.join(' ').replace(/ +/g, ' ')).toBe(` x kind ${words}`);
  });

  it('moves a kept segment to the next line whole', () => {
    // Act
    const lines = wrap(
      [{ text: '  ' }],
      [{ text: 'finance-prod/finance-prod-2023-yearend' }, { text: '  (manual, us-east-1)', keep: true }],
      6,
      plain(50),
    );

    // Assess
    expect(lines).toEqual(['  finance-prod/finance-prod-2023-yearend', '      (manual, us-east-1)']);
  });

  it('cuts only a word wider than a whole line', () => {
    // Act
    const lines = wrap([], [{ text: `see ${'a'.repeat(25)}` }], 2, plain(20));

    // Assess
    expect(lines).toEqual(['see', `  ${'a'.repeat(18)}`, `  ${'a'.repeat(7)}`]);
  });

  it('writes no escape sequence without colour, and colours whole runs with it', () => {
    // Prepare
    const body = [{ text: 'NOT COMPLIANT', style: 'red' as const }, { text: ' (1 remains)' }];

    // Act
    const bare = wrap([], body, 0, plain(80));
    const coloured = wrap([], body, 0, { width: 80, color: true });

    // Assess
    expect(bare).toEqual(['NOT COMPLIANT (1 remains)']);
    expect(coloured).toEqual(['\x1b[31mNOT COMPLIANT\x1b[39m (1 remains)']);
    expect(visibleLength(coloured[0] ?? '')).toBe(25);
  });

  it('leaves no line ending in a space', () => {
    // Act
    const lines = wrap([{ text: 'Summary  ' }], [{ text: 'one two   three four' }], 2, plain(20));

    // Assess
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });
});
