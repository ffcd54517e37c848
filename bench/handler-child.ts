import { childMain } from './child.ts';
import { HandlerConfigSchema, measureHandler } from './handler-measure.ts';

childMain((raw) => HandlerConfigSchema.parse(raw), measureHandler);
