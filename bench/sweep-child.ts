import { childMain } from './child.ts';
import { measureSweep, SweepConfigSchema } from './sweep-measure.ts';

childMain((raw) => SweepConfigSchema.parse(raw), measureSweep);
