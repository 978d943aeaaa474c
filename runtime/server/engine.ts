// Which decision engine `dialplane serve` builds per artefact: the Router of runtime/router,
// prepared once per artefact (off the hot path, before the swap). The stand-in of
// lookup-decider.ts stays for tests that want an answer independent of the engine.
import type { Artefact } from '../artefact/decode.js';
import { Router, type RouterOptions } from '../router/router.js';
import type { Decider, DeciderFactory } from './decider.js';

/** `limits: false` turns CPS limits off (load tests, benchmarks); they are on by default. */
export const routerDecider = (options: RouterOptions = {}): DeciderFactory => (artefact: Artefact): Decider => {
  const router = new Router(artefact, options);
  return {
    serial: artefact.serial,
    decide: router.decide.bind(router),
    setGatewayEnabled: router.setGatewayEnabled.bind(router),
  };
};

export const defaultDeciderFactory: DeciderFactory = routerDecider();
