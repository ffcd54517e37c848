import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DETAIL_TYPES, EventDetailSchema } from '../../../functions/engine/compliance-events.ts';
import { FINDING_KINDS } from '../../../functions/engine/model.ts';
import { HANDLED_EVENT_NAMES } from '../../../functions/triggers/targets.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = (title: string) => {
  const start = readme.indexOf(`## ${title}\n`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
};

describe('README', () => {
  it('documents every field of the compliance event detail', () => {
    const events = section('Compliance events');
    for (const field of Object.keys(EventDetailSchema.shape)) expect(events).toContain(`| \`${field}\` |`);
  });

  it('lists every detail type and finding kind', () => {
    const events = section('Compliance events');
    for (const type of Object.values(DETAIL_TYPES)) expect(events).toContain(`\`${type}\``);
    for (const kind of FINDING_KINDS) expect(events).toContain(`\`${kind}\``);
  });

  it('lists every CloudTrail call the real-time handler reacts to', () => {
    const realtime = section('Real-time enforcement');
    for (const name of HANDLED_EVENT_NAMES) expect(realtime).toContain(`\`${name}\``);
  });
});
