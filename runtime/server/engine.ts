// Which decision engine `dialplane serve` builds per artefact. The stand-in (lookup-decider) is
// used until the engine of runtime/engine lands; switching is this one line.
import type { DeciderFactory } from './decider.js';
import { lookupDecider } from './lookup-decider.js';

export const defaultDeciderFactory: DeciderFactory = lookupDecider;
